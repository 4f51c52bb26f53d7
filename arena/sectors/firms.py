"""Consumption-goods firms (C-firms) and the decision rules all firms share.

Struct-of-arrays: one numpy array per attribute, index = firm id (a *slot*: a defaulted
firm's slot stays dead for ``entry_delay`` ticks and is then re-entered by a new firm).
No Python loop over firms or households.

Rules (Assenza, Delli Gatti & Grazzini 2015 [A], sec. 2; Delli Gatti et al. 2011 [B],
ch. 3), restated per review; a firm *reviews* with probability ``1 / review_ticks`` each
tick (Calvo 1983), so prices and plans change in lumps and out of step:

* demand signal: expected demand ``d``, an EWMA (weight ``1 / M`` a tick, ``M`` =
  :attr:`FirmSector.demand_memory`: ``review_ticks`` for C-firms, ``capital_goods_smoothing``
  for K-firms) of the units booked each tick (households book at their shop even when it
  is sold out; [C] sec. 1.4's adaptive expectations); the output that serves it and brings
  the inventory to ``inventory_ticks * d`` within ``M`` ticks is
  ``y* = d + (inventory_ticks * d - inventory) / M``;
* quantity: ``planned <- y - rho S`` with ``S = y - y*`` (``y`` the mean output since the
  last review; S <= 0: excess demand), at every review ([C] sec. 1.4: output planned from
  expected sales and the inventory gap);
* markup: [A]'s price conditions with [B]'s unsold-output signal (:meth:`FirmSector.excess_demand`:
  excess demand when the firm sold at least what it made since its last review), the firm's
  price ``P`` against the mean price ``P̄``. (The stock signal of [C], inventory at or below
  ``inventory_ticks * d``, was biased: output falls short of plans, inventories sit below
  target while demand is met, and markups ratcheted up; docs/validation.md)::

      excess demand, P <  P̄ : (1 + mu) <- (1 + mu)(1 + eta)   (sold out and cheap: markup up)
      excess supply, P >  P̄ : (1 + mu) <- (1 + mu)(1 - eta)   (unsold and dear: markup down)
      otherwise              : markup kept

  (in [A] a firm moves price *or* quantity; here quantity always follows expected demand,
  which keeps firms with unsold stock from producing on at the old rate for a whole
  review interval)

  ``eta ~ U(0, price_step)``, markup clipped to ``[min_markup, max_markup]``;
* price = ``(1 + mu) * unit cost`` at the review: costs pass through only at reviews;
* wage (each firm its own): indexed to expected inflation plus productivity growth over
  the interval, plus ``wage_step * U(0, 1) * pressure``: the labour market's tightness (the
  sector's mean vacancy rate relative to the normal rate ``v*``, ``normal_vacancy_rate``, the
  US job-openings rate near natural unemployment, and with weight ``wage_unemployment_weight``
  the unemployment rate relative to ``natural_unemployment``) plus the firm's own pressure relative to
  other firms', each clipped ``(v - v*) / v*`` in [-1, 1] (:meth:`FirmSector.vacancy_pressure`):
  firms that cannot fill their jobs bid wages up, firms with no vacancies let them fall
  behind the index (Delli Gatti et al. 2011's vacancy-driven wage, made symmetric), and all
  move with the market (the wage curve).
"""

from __future__ import annotations

import numpy as np

from arena.config import ArenaConfig
from arena.markets.goods import switch_probability
from arena.sectors.corporate import workers_wanted

#: Lowest vacancy pressure on wages (-1: symmetric). A floor of -0.25 (downward wage rigidity,
#: Bewley 1999) was tried: it raised unemployment and did not keep the oil cost push (docs).
WAGE_FLOOR_PRESSURE = -1.0
#: Memory of the smoothed capital need (years).
CAPITAL_SMOOTHING_YEARS = 1.0
#: Fastest net growth of a firm's capital (1/year): investment is spread over time.
MAX_EXPANSION = 0.2
#: Planned output never falls below this share of the tick-0 mean plan (a firm stays a firm).
MIN_PLAN_SHARE = 0.05
#: Ticks over which C-firms close the gap of their commodity input stocks to target.
RESTOCK_TICKS = 20.0
#: Per-firm arrays a checkpoint may lack (written before they existed) and their start value.
_LATE_ARRAYS = {"tax_loss": 0.0, "efficiency": 1.0, "hours": 1.0, "labour_need": -1.0}
#: Pay for an hour beyond the standard week, in standard hours (US Fair Labor Standards Act:
#: time and a half for hours over 40 a week).
OVERTIME_PAY = 1.5
#: Band around the mean price inside which both markup moves are allowed (0 = [A] exactly).
PRICE_TOLERANCE = 0.0


def mean_of_living(values: np.ndarray, alive: np.ndarray) -> float:
    """Mean of ``values`` over the living firms (over all of them when none lives).

    The float ``values[alive].mean()`` gives (``alive.any()``, else ``values.mean()``), with
    less overhead: for float64 values numpy's mean is the pairwise sum divided by the count
    (``ndarray.mean`` adds a Python wrapper and, here, a boolean gather when all firms live);
    other dtypes go through ``mean`` itself.
    """
    if alive.all():
        living = values
    elif alive.any():
        living = values[alive]
    else:
        living = values
    if living.dtype == np.float64 and living.ndim == 1 and living.size:
        return float(np.add.reduce(living) / living.size)
    return float(living.mean())


def stationary_efficiency(config: ArenaConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` firms' tick-0 efficiencies from the stationary law of :meth:`FirmSector.grow_productivity`.

    Log efficiency is normal with std ``productivity_dispersion`` (the AR(1)'s stationary std), and
    the draws are scaled so that their harmonic mean is 1 (``mean(1 / e) = 1``), the normalisation
    the process keeps every tick: with each firm making the same output, the workers needed
    (``proportional to 1 / e``) and the mean unit labour cost are then the calibrated ones. A start
    at ``e = 1`` everywhere let the spread build over the first years, and the mean unit labour
    cost (~ mean 1 / e, ``exp(sigma^2)`` at the stationary spread with mean-1 efficiency) rose with it:
    ~1.4 points of inflation a year early on (baseline inflation over ticks 63-300 4.51 % with
    dispersion 0.2, 3.15 % without, session 19). Float64 (n,), > 0; ones when the dispersion is 0.
    """
    sigma = float(config.productivity_dispersion)
    if sigma <= 0.0 or n == 0:
        return np.ones(n)
    drawn = np.exp(sigma * rng.standard_normal(n))
    return drawn * float(np.mean(1.0 / drawn))


def normal_vacancy_rate(cfg) -> float:
    """Vacancy rate at which a firm's wage follows its index: ``cfg.normal_vacancy_rate``.

    The US job-openings rate (JOLTS, openings / (employment + openings)) averaged about 3 %
    in 2001-2019, when unemployment averaged about 6 %. (It was once derived from the matching
    steady state with separations only, ``v* = f^2 u* / (mu^2 (1 - u*))`` = 0.4 % at the defaults:
    that ignores the hires that reallocation between growing and shrinking firms needs, which
    the model has; the firms' vacancy rate then sat above it down to ~18 % unemployment, so
    wages rose in a slump and the model's NAIRU was ~18 %.)
    """
    return float(cfg.normal_vacancy_rate)


class FirmSector:
    """Arrays and rules shared by C-firms and K-firms.

    Parameters
    ----------
    config : ArenaConfig
    n : int
        Number of firm slots, >= 1.
    price, wage, productivity : float
        Tick-0 price (currency/unit), wage (currency/worker/tick) and common output per worker
        (units/worker/tick).
    workers : numpy.ndarray of int64
        Tick-0 workforce per firm, shape (n,).
    efficiency : numpy.ndarray, optional
        Tick-0 efficiency per firm, shape (n,), > 0 (:func:`stationary_efficiency`); ones if omitted.

    Attributes
    ----------
    alive : bool (n,)
        Slot holds an operating firm.
    price : float64 (n,)
        Posted price (currency/unit), > 0.
    markup : float64 (n,)
        Markup over unit cost, in [min_markup, max_markup].
    wage : float64 (n,)
        Wage offered and paid (currency/worker/tick), > 0.
    workers, labour_demand : int64 (n,)
        Workforce and workers wanted (the headcount target, :meth:`headcount_target`).
    labour_need : float64 (n,)
        Labour need (workers at standard hours) averaged over ``employment_smoothing`` ticks;
        -1 for a firm with no history (a dead slot, an entrant; a need is never negative).
    hours : float64 (n,)
        Hours each worker worked in the last production, relative to the standard week, in
        [0, ``max_hours``] (1 with no workers).
    planned : float64 (n,)
        Planned output (units/tick), > 0.
    inventory, deposits : float64 (n,)
        Unsold output (units) and deposits (currency), >= 0.
    output, sales : float64 (n,)
        Last tick's output and units sold.
    demand_acc, sales_acc, output_acc, vacancy_acc, profit_acc : float64 (n,)
        Sums since the last review (units; vacancies in worker-ticks; profit in currency).
    earnings : float64 (n,)
        Booked profit per tick, EWMA over a review interval (currency/tick); caps dividends
        (:func:`arena.sectors.corporate.pay_dividends`).
    machines_paid : float64 (n,)
        Machines bought since the earnings were last booked (currency; C-firms only): expensed in
        ``profit_acc``, capitalised (borne through depreciation) in ``earnings``.
    tax_loss : float64 (n,)
        Losses carried forward against the profit tax (currency, >= 0;
        :func:`arena.sectors.corporate.taxable_profit`).
    efficiency : float64 (n,)
        The firm's own productivity relative to the common level ``productivity`` (> 0; drawn
        at tick 0 by :func:`stationary_efficiency`; harmonic mean 1 over the living firms):
        :attr:`firm_productivity` = ``productivity * efficiency`` (:meth:`grow_productivity`).
    ticks_acc : int64 (n,)
        Ticks since the last review.
    dead_until : int64 (n,)
        Tick at which a dead slot is re-entered.
    """

    def __init__(self, config: ArenaConfig, n: int, price: float, wage: float, productivity: float,
                 workers: np.ndarray, efficiency: np.ndarray | None = None):
        self.config = config
        self.n = n
        self.productivity = float(productivity)
        self.efficiency = np.ones(n) if efficiency is None else np.asarray(efficiency, dtype=float).copy()
        self.alive = np.ones(n, dtype=bool)
        self.markup = np.full(n, config.initial_markup)
        self.price = np.full(n, float(price))
        self.wage = np.full(n, float(wage))
        self.workers = np.asarray(workers, dtype=np.int64).copy()
        output = np.maximum(self.workers * self.firm_productivity, 1e-9)
        self.plan_floor = MIN_PLAN_SHARE * float(output.mean())
        # The labour market's steady state has open jobs: quits go on every tick, and hires need
        # vacancies (H = mu sqrt(U V)), so each firm plans the output of a workforce with the normal
        # vacancy rate v* open, L^d = L / (1 - v*), makes what its workers can (alpha L), and holds
        # the inventory at which its quantity rule keeps that plan: y* - y = rho^-1 (planned - y),
        # i.e. an inventory (planned - y) M / rho below target (in the runs it settles at ~3.8
        # ticks of sales against the 5-tick target). Starting with no vacancies and stocks at
        # target (the former start), no one was hired for ~50 ticks while quits went on:
        # unemployment rose from 5.1 % to 7.4 %, then firms' vacancies pushed wages up while
        # stocks drained (docs/validation.md, "The start-up downswing every run begins with").
        self.planned = output / (1.0 - normal_vacancy_rate(config))
        self.labour_demand = workers_wanted(self.planned / self.firm_productivity, self.alive)
        self.labour_need = self.planned / self.firm_productivity
        self.hours = np.ones(n)
        step = config.quantity_step
        shortfall = (self.planned - output) * self.demand_memory / step if step > 0 else 0.0
        self.inventory = np.maximum(config.inventory_ticks * output - shortfall, 0.0)
        self.deposits = np.zeros(n)
        self.output = output.copy()
        self.sales = output.copy()
        # a history of half a review interval at the steady state, so first reviews see demand
        # and the normal vacancy rate (no wage pressure either way)
        half = max(int(config.review_ticks // 2), 1)
        self.ticks_acc = np.full(n, half, dtype=np.int64)
        self.demand_acc = output * half
        self.sales_acc = output * half
        self.output_acc = output * half
        self.vacancy_acc = (self.labour_demand - self.workers).astype(float) * half
        self.profit_acc = np.zeros(n)
        self.earnings = np.zeros(n)
        self.machines_paid = np.zeros(n)
        self.tax_loss = np.zeros(n)
        self.booked = np.zeros(n)
        self.expected_demand = output.copy()
        self.dead_until = np.zeros(n, dtype=np.int64)
        self.fired = np.zeros(n, dtype=np.int64)

    @property
    def demand_memory(self) -> float:
        """Ticks over which the demand signal is averaged and the inventory gap closed.

        One review interval (``review_ticks``) for C-firms; K-firms override it
        (:class:`arena.sectors.kfirms.CapitalFirms`). Read from the config, not stored, so a
        checkpoint written before the parameter existed still resumes.
        """
        return self.config.review_ticks

    def hold_tick0_price(self, unit_cost: np.ndarray) -> None:
        """Give each firm the markup that keeps its price at the common tick-0 price.

        Firms differ in efficiency from tick 0 (:func:`stationary_efficiency`) but all post the
        calibrated price: the more efficient earn a higher markup over their lower ``unit_cost``
        (currency/unit, shape (n,), > 0), as in the runs' stationary state, where sold-out
        efficient firms hold markups of 0.2-0.3 and the least efficient 0-0.1, so that prices
        spread less than unit costs (session 19, seed 1). A markup outside
        ``[min_markup, max_markup]`` is clipped and that firm's price moves off the common one.
        Prices dispersed by unit cost at a common markup would instead start a reallocation of
        customers and a fall of the price index.
        """
        cfg = self.config
        self.markup = np.clip(self.price / unit_cost - 1.0, cfg.min_markup, cfg.max_markup)
        self.price = (1.0 + self.markup) * unit_cost

    # ---------------------------------------------------------------- per tick -----
    def headcount_target(self, need: np.ndarray) -> np.ndarray:
        """Workers a firm hires and keeps for, given its labour need now (workers, float (n,)).

        ``need`` is the workforce that would make the firm's planned output at standard hours.
        :attr:`labour_need` moves toward it by ``1 / employment_smoothing`` a tick (an EWMA; a
        firm with no history, marked -1, takes ``need``), and the target is ``max(labour_need, need /
        max_hours)``: heads follow the need with a lag and hours take up the difference, within
        the overtime ceiling. Adjusting the workforce is costly, so firms vary the intensity of
        work first (labour hoarding with adjustment costs: Sbordone 1996; hours per worker lead
        employment over the cycle, Bernanke & Parkinson 1991), which is what makes labour
        productivity procyclical and unemployment move less than output (Okun 1962).
        ``employment_smoothing`` <= 1 makes the target the need itself.
        """
        cfg = self.config
        weight = 1.0 / cfg.employment_smoothing if cfg.employment_smoothing > 1.0 else 1.0
        smoothed = self.labour_need
        smoothed = np.where((smoothed < 0.0) | (weight >= 1.0), need, smoothed + weight * (need - smoothed))
        self.labour_need = np.where(self.alive, smoothed, -1.0)
        return np.maximum(np.where(self.alive, smoothed, 0.0), need / cfg.max_hours)

    def record_hours(self, labour_used: np.ndarray) -> None:
        """Set :attr:`hours` from the labour this tick's output took (workers at standard hours).

        Clipped to ``max_hours``: capacity allows no more, and the quotient of output and
        workforce can exceed it by a rounding error, which would pay an ulp of overtime.
        """
        self.hours = np.ones(self.n)
        np.divide(labour_used, self.workers, out=self.hours, where=self.workers > 0)
        np.minimum(self.hours, self.config.max_hours, out=self.hours)

    def paid_hours(self) -> np.ndarray:
        """Return the standard weeks paid per worker, ``1 + OVERTIME_PAY * max(hours - 1, 0)`` (float64 (n,)).

        A short week is paid in full (the idle hours of labour hoarding: Fay & Medoff 1985),
        an overtime hour at :data:`OVERTIME_PAY` standard hours.
        """
        return 1.0 + OVERTIME_PAY * np.maximum(self.hours - 1.0, 0.0)

    def wage_bill(self) -> np.ndarray:
        """Each firm's wage bill at its last hours: ``wage * workers * paid_hours`` (currency/tick)."""
        return self.wage * self.workers * self.paid_hours()

    def vacancies(self) -> np.ndarray:
        """Open vacancies ``max(labour_demand - workers, 0)`` of living firms, int64 (n,)."""
        return np.where(self.alive, np.maximum(self.labour_demand - self.workers, 0), 0)

    def excess_workers(self) -> np.ndarray:
        """Workers a firm wants to shed ``max(workers - labour_demand, 0)``, int64 (n,)."""
        return np.maximum(self.workers - self.labour_demand, 0)

    def mean_price(self) -> float:
        """Mean posted price of living firms (currency/unit); [A]'s P̄."""
        return mean_of_living(self.price, self.alive)

    def reviewing(self, rng: np.random.Generator) -> np.ndarray:
        """Return the living firms that review this tick (each with probability 1/review_ticks)."""
        draw = rng.random(self.n) < 1.0 / self.config.review_ticks
        return np.flatnonzero(draw & self.alive)

    # ---------------------------------------------------------------- review -------
    def review_price_quantity(self, idx: np.ndarray, unit_cost: np.ndarray,
                              rng: np.random.Generator) -> None:
        """[A]'s price/quantity rule for the reviewing firms ``idx``; price = (1 + mu) unit cost.

        Parameters
        ----------
        idx : numpy.ndarray of intp
            Reviewing firms.
        unit_cost : numpy.ndarray
            Unit cost of each firm (currency/unit), shape (n,), > 0.
        rng : numpy.random.Generator
        """
        cfg = self.config
        if idx.size == 0:
            return
        n = np.maximum(self.ticks_acc[idx], 1)
        d = self.expected_demand[idx]
        y = self.output_acc[idx] / n
        desired = np.maximum(d + (cfg.inventory_ticks * d - self.inventory[idx]) / self.demand_memory, 0.0)
        gap = desired - y  # = -S
        pbar = self.mean_price()
        p = self.price[idx]
        eta = rng.uniform(0.0, cfg.price_step, idx.size)
        excess_demand = self.excess_demand(idx)
        raise_price = excess_demand & (p < pbar * (1.0 + PRICE_TOLERANCE))
        cut_price = ~excess_demand & (p > pbar * (1.0 - PRICE_TOLERANCE))
        gross = 1.0 + self.markup[idx]
        gross = np.where(raise_price, gross * (1.0 + eta), np.where(cut_price, gross * (1.0 - eta), gross))
        self.markup[idx] = np.clip(gross - 1.0, cfg.min_markup, cfg.max_markup)
        planned = y + cfg.quantity_step * gap
        self.planned[idx] = np.maximum(planned, self.plan_floor)
        self.price[idx] = (1.0 + self.markup[idx]) * unit_cost[idx]

    def excess_demand(self, idx: np.ndarray) -> np.ndarray:
        """Whether each firm in ``idx`` is in excess demand for the markup rule (bool array).

        The unsold-output signal (Delli Gatti et al. 2011, ch. 3): the firm sold at least what it
        made since its last review (its stock fell, or it sold out). Sales count each unit once;
        inventory against its target (the former signal) sits below target on average because
        output falls short of plans, and units booked count a rationed buyer at every shop it
        visits: both made markups ratchet up (docs/validation.md, branch ``labour``).
        """
        return self.sales_acc[idx] >= self.output_acc[idx]

    def review_wage(self, idx: np.ndarray, expected_inflation: float, rng: np.random.Generator,
                    unemployment: float | None = None) -> None:
        """Each reviewing firm moves its wage with its own vacancy pressure (see module doc).

        ``unemployment`` (the economy's rate, in [0, 1]) enters the market's tightness when
        ``wage_unemployment_weight`` > 0 (:meth:`vacancy_pressure`).
        """
        cfg = self.config
        if idx.size == 0:
            return
        n = np.maximum(self.ticks_acc[idx], 1)
        index = (expected_inflation + cfg.productivity_growth) * n / cfg.ticks_per_year
        pressure = self.vacancy_pressure(unemployment)[idx]
        step = cfg.wage_step * pressure * rng.random(idx.size)
        self.wage[idx] *= np.clip(1.0 + index + step, 0.5, 2.0)

    def vacancy_pressure(self, unemployment: float | None = None) -> np.ndarray:
        """Each firm's wage pressure: the labour market's tightness plus its own relative to others.

        ``a + (c_i - mean_j c_j)``, with ``c_i = clip((v_i - v*) / v*, -1, 1)`` the firm's
        clipped pressure from its mean vacancy rate ``v_i`` since its last review, ``mean_j``
        over the sector's living firms and ``a = clip((1 - w) (mean_j v_j - v*) / v* - w (u - u*) / u*,
        -1, 1)`` the market's tightness: the sector's mean vacancy gap and, with weight ``w`` =
        ``wage_unemployment_weight``, the unemployment gap (``u`` = ``unemployment``, ``u*`` =
        ``natural_unemployment``; ``w`` = 0 or no ``unemployment``: vacancies only). Wages rise with
        outside options (the wage curve, Blanchflower & Oswald 1994: in unemployment; in search
        models the wage follows v / u, whose log gap is the vacancy gap minus the unemployment gap)
        and with a firm's own difficulty in filling its jobs. Firms' mean pressure is then the
        market's. Firms' own clipped pressures alone (the former rule) averaged -0.33 at 4-6 %
        unemployment, where their mean vacancy rate was v*: many firms with no vacancies took
        the full -1, the few with many were capped at +1 (measured, docs/model.md "Wages"), so
        wages fell behind their index at the natural rate and inflation ran below target.
        Float64 (n,), in [-3, 3]; 0 for dead firms.
        """
        normal = normal_vacancy_rate(self.config)
        pressure = np.zeros(self.n)
        alive = self.alive
        if normal <= 0 or not alive.any():
            return pressure
        rate = self.vacancy_acc[alive] / np.maximum(self.ticks_acc[alive], 1) / np.maximum(
            self.labour_demand[alive], 1)
        own = np.clip((rate - normal) / normal, WAGE_FLOOR_PRESSURE, 1.0)
        gap = (rate.mean() - normal) / normal
        weight = self.config.wage_unemployment_weight
        natural = self.config.natural_unemployment
        if weight > 0 and unemployment is not None and natural > 0:  # skipped at 0: bit-identical
            gap = (1.0 - weight) * gap - weight * (unemployment - natural) / natural
        tightness = float(np.clip(gap, WAGE_FLOOR_PRESSURE, 1.0))
        pressure[alive] = tightness + own - own.mean()
        return pressure

    def reset_accumulators(self, idx: np.ndarray) -> None:
        """Start a new review interval for firms ``idx``."""
        for name in ("demand_acc", "sales_acc", "output_acc", "vacancy_acc", "profit_acc"):
            getattr(self, name)[idx] = 0.0
        self.ticks_acc[idx] = 0

    def end_tick(self) -> None:
        """Count the tick in the review interval, accumulate unfilled vacancies, update expected demand."""
        self.ticks_acc += 1
        self.vacancy_acc += self.vacancies()
        self.expected_demand += (self.booked - self.expected_demand) / self.demand_memory
        self.booked = np.zeros(self.n)

    def __getattr__(self, name: str):
        """Per-firm arrays added after checkpoints were first written: created on first use.

        Called only when normal lookup fails (a checkpoint restores ``__dict__`` without
        ``__init__``): ``tax_loss`` starts at 0, ``efficiency`` at 1.
        """
        if name in _LATE_ARRAYS and "n" in self.__dict__:
            value = np.full(self.n, _LATE_ARRAYS[name])
            setattr(self, name, value)
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def firm_productivity(self) -> np.ndarray:
        """Each firm's output per worker: the common level times its efficiency (units/worker/tick)."""
        return self.productivity * self.efficiency

    def grow_productivity(self, rng: np.random.Generator | None = None) -> None:
        """Move the common productivity and each firm's efficiency on by one tick.

        The common level grows by ``productivity_growth`` a year (per-tick compounding). Each
        living firm's log efficiency follows an AR(1) with yearly autocorrelation
        ``productivity_persistence`` and stationary std ``productivity_dispersion``, and the
        efficiencies are then scaled so that their harmonic mean over the living firms is 1
        (``mean(1 / e) = 1``): plants in one industry differ lastingly in productivity (Syverson
        2011's survey; Foster, Haltiwanger & Syverson 2008 measure a std of log physical TFP of
        0.21-0.26 within US 5-digit products and a yearly persistence near 0.8), so some firms'
        unit costs sit above their rivals', they lose customers to cheaper shops and the least
        efficient make losses, and a few default (far fewer than real firms: docs/validation.md;
        Hopenhayn 1992 and Dosi et al. 2010 for selection by efficiency). Without ``rng`` (or with
        ``productivity_dispersion`` 0) only the common level moves.
        """
        cfg = self.config
        self.productivity *= (1.0 + cfg.productivity_growth) ** (1.0 / cfg.ticks_per_year)
        sigma = cfg.productivity_dispersion
        if rng is None or sigma <= 0.0:
            return
        rho = cfg.productivity_persistence ** (1.0 / cfg.ticks_per_year)
        shock = sigma * np.sqrt(1.0 - rho * rho) * rng.standard_normal(self.n)
        moved = np.exp(rho * np.log(self.efficiency) + shock)
        # efficiency is relative to the industry: its harmonic mean over the living firms is 1 every
        # tick, so the mean unit labour cost of firms making equal output is the common level's
        # (wage / productivity), whatever the spread, and a run with 200 firms does not carry the
        # sample mean's wander (granular noise: a +1,000 bp rate shock's disinflation at 20,000
        # households fell from -0.63 points on 7 of 8 seeds without dispersion to -0.23 on 5 of 8
        # with an unnormalised process, and was -0.93 on 8 of 8 with the arithmetic mean's normalisation)
        moved *= mean_of_living(1.0 / moved, self.alive)
        self.efficiency = np.where(self.alive, moved, self.efficiency)


class GoodsFirms(FirmSector):
    """Consumption-goods firms: labour and capital (Leontief) with commodity inputs (CES).

    Value added ``V = min(alpha L, kappa K)`` (Leontief, [A]) is combined with each commodity
    input ``x_k`` by a normalised CES of elasticity ``sigma = input_substitution`` (Klump,
    McAdam & Willman 2012's normalisation at the tick-0 point)::

        Y = Y0 [ (1 - S) (V / V0)^r + sum_k s_k (x_k / x_k0)^r ]^(1/r),   r = (sigma - 1) / sigma,

    ``s_k = a_k (1 + mu_0)`` the tick-0 cost share of input k (``a_k`` units per unit of output
    at base prices), ``S = sum_k s_k``. Cost minimisation at the commodity prices relative to
    the unit labour cost (both relative to tick 0), ``r_k``, gives the unit cost index
    ``c = [(1 - S) + sum_k s_k r_k^(1 - sigma)]^(1/(1 - sigma))``, inputs per unit
    ``x_k / Y = a_k (r_k / c)^(-sigma)`` and value added per unit ``c^sigma`` (a dearer input is
    partly replaced by labour and capital). A firm that gets only a share ``f_k`` of the inputs
    it ordered makes ``[(1 - Theta) + sum_k theta_k f_k^r]^(1/r)`` of its planned output
    (``theta_k`` the current cost shares, ``Theta`` their sum): with ``sigma = 0`` this is
    Leontief, ``min_k f_k``. ``sigma`` = 0.1 by default, the short-run substitution between
    energy and other inputs (0.04-0.2: Bachmann et al. 2022; near zero in Hassler, Krusell &
    Olovsson 2021). ``kappa = 1 / (capital_output * ticks_per_year)``: capital is measured in
    goods units at tick-0 prices, so a machine worth one good makes ``kappa`` goods a tick.

    Extra attributes
    ----------------
    capital : float64 (n,)
        Installed machines (goods-equivalent units), >= 0.
    capital_need : float64 (n,)
        [A]'s smoothed capital need K̄ (units).
    k_order : float64 (n,)
        Machines ordered and not yet delivered (units).
    k_supplier : int64 (n,)
        K-firm the order goes to.
    coefficients : float64 (R,)
        Commodity units per unit of output at tick-0 prices (``a_k``).
    input_stock : float64 (R,)
        Commodity units the sector holds in stock (``input_stock_ticks`` ticks of use at
        target); a rationed input is drawn from stock before output falls.
    input_per_unit : float64 (R,)
        Commodity units per unit of output at the current cost-minimising mix.
    input_cost_shares : float64 (R,)
        Current cost shares ``theta_k`` of the commodity inputs in unit cost, in [0, 1).
    value_added_per_unit : float
        Value added (labour and capital) per unit of output relative to tick 0, ``c^sigma`` >= 1
        when inputs are dearer than at tick 0.
    """

    def __init__(self, config: ArenaConfig, n: int, price: float, wage: float, productivity: float,
                 workers: np.ndarray, coefficients: np.ndarray, n_kfirms: int, rng: np.random.Generator,
                 efficiency: np.ndarray | None = None):
        super().__init__(config, n, price, wage, productivity, workers, efficiency)
        self.kappa = 1.0 / (config.capital_output * config.ticks_per_year)
        self.coefficients = np.asarray(coefficients, dtype=float)
        # capital is sized for the demand served (the capital need follows expected demand)
        self.capital = self.output / (self.kappa * config.target_utilisation)
        self.capital_need = self.output / self.kappa
        self.k_order = np.zeros(n)
        self.k_supplier = rng.integers(0, n_kfirms, n)
        self.requested = self.output.copy()
        # CES calibration at the tick-0 point: commodity prices = goods price, unit labour cost
        self.sigma = float(config.input_substitution)
        self.input_price_ref = float(price)
        self.labour_cost_ref = float(wage) / float(productivity)
        self.base_shares = self.coefficients * (1.0 + config.initial_markup)
        self.input_per_unit = self.coefficients.copy()
        self.input_cost_shares = self.base_shares.copy()
        self.value_added_per_unit = 1.0
        # at tick-0 prices the unit cost is price / (1 + initial_markup) at efficiency 1
        self.unit_cost = self.compute_unit_cost(np.full(self.coefficients.size, float(price)), float(price))
        self.hold_tick0_price(self.unit_cost)
        # input stocks of the sector (units per commodity), at their target at tick 0
        self.input_stock = config.input_stock_ticks * self.coefficients * float(self.output.sum())

    def capacity(self) -> np.ndarray:
        """Output the firm can make this tick before inputs: ``min(planned, (alpha L h_max, kappa K) / v)``.

        ``h_max`` = ``max_hours``: the workforce can work overtime up to it.

        ``v`` = :attr:`value_added_per_unit` (1 at tick-0 input prices).
        """
        labour = self.firm_productivity * self.workers * self.config.max_hours
        value_added = np.minimum(labour, self.kappa * self.capital)
        return np.where(self.alive, np.minimum(self.planned, value_added / self.value_added_per_unit), 0.0)

    def labour_used(self) -> np.ndarray:
        """Labour the last output took, in workers at standard hours: ``v y / (alpha e)``."""
        return self.output * self.value_added_per_unit / self.firm_productivity

    def set_labour_demand(self) -> None:
        """Workers wanted: the headcount target for the need ``v min(planned, kappa K / v) / alpha``.

        [A]'s eq. for L^d gives the need; :meth:`FirmSector.headcount_target` the workers.
        """
        v = self.value_added_per_unit
        want = v * np.minimum(self.planned, self.kappa * self.capital / v) / self.firm_productivity
        self.labour_demand = workers_wanted(self.headcount_target(want), self.alive)

    def set_input_mix(self, commodity_prices: np.ndarray) -> None:
        """Choose the cost-minimising CES input mix at ``commodity_prices`` (class doc).

        Relative prices are commodity prices over the tick-0 price, divided by the unit labour
        cost (mean wage of living firms / alpha) over its tick-0 value. Sets
        :attr:`input_per_unit`, :attr:`input_cost_shares` and :attr:`value_added_per_unit`.
        """
        wage = mean_of_living(self.wage, self.alive)
        labour = (wage / self.productivity) / self.labour_cost_ref
        rel = np.maximum(np.asarray(commodity_prices, dtype=float) / self.input_price_ref / labour, 1e-12)
        s, sigma = self.base_shares, self.sigma
        if sigma <= 0.0:  # Leontief: fixed coefficients, cost shares move with prices
            cost = (1.0 - s.sum()) + float(s @ rel)
            self.input_per_unit = self.coefficients.copy()
            self.input_cost_shares = s * rel / cost
            self.value_added_per_unit = 1.0
            return
        weighted = s * rel ** (1.0 - sigma)
        cost = ((1.0 - s.sum()) + weighted.sum()) ** (1.0 / (1.0 - sigma))
        self.input_per_unit = self.coefficients * (rel / cost) ** (-sigma)
        self.input_cost_shares = weighted / cost ** (1.0 - sigma)
        self.value_added_per_unit = float(cost**sigma)

    def input_restock(self, need: np.ndarray) -> np.ndarray:
        """Extra order per unit of need that moves input stocks toward their target, in [-1, 1].

        Target ``input_stock_ticks`` ticks of ``need`` (units/tick per commodity); the gap is
        closed over :data:`RESTOCK_TICKS` ticks. 0 without stocks.
        """
        ticks = self.config.input_stock_ticks
        if ticks <= 0:
            return np.zeros_like(need)
        gap = ticks * need - self.input_stock
        out = np.zeros_like(need)
        np.divide(gap, RESTOCK_TICKS * need, out=out, where=need > 0)
        return np.clip(out, -1.0, 1.0)

    def output_share(self, fills: np.ndarray) -> float:
        """Share of planned output made when each input order is filled by ``fills`` (in [0, 1]).

        CES: ``[(1 - Theta) + sum_k theta_k f_k^r]^(1/r)``, ``r = (sigma - 1) / sigma``;
        ``sigma = 0``: ``min_k f_k`` over the inputs used.
        """
        fills = np.clip(np.asarray(fills, dtype=float), 1e-12, 1.0)
        theta = self.input_cost_shares
        used = theta > 0
        if not used.any():
            return 1.0
        if self.sigma <= 0.0:
            return float(fills[used].min())
        r = (self.sigma - 1.0) / self.sigma
        inner = (1.0 - theta.sum()) + float(theta[used] @ fills[used] ** r)
        return float(min(inner ** (1.0 / r), 1.0))

    def compute_unit_cost(self, commodity_prices: np.ndarray, capital_price: float) -> np.ndarray:
        """Set and return unit cost: ``v (wage/alpha + depreciation per unit) + sum_k p_k x_k``.

        ``v`` value added per unit and ``x_k`` inputs per unit at the current CES mix
        (:meth:`set_input_mix`).
        """
        cfg = self.config
        per_unit = 1.0 / (self.kappa * cfg.target_utilisation)  # machines per unit of output
        capital_cost = cfg.depreciation / cfg.ticks_per_year * capital_price * per_unit
        inputs = float(self.input_per_unit @ commodity_prices)
        v = self.value_added_per_unit  # labour and capital per unit, >= 1 when inputs are dear
        self.unit_cost = v * (self.wage / self.firm_productivity + capital_cost) + inputs
        return self.unit_cost

    def review_investment(self, idx: np.ndarray, kprices: np.ndarray, kalive: np.ndarray,
                          kstock: np.ndarray, rng: np.random.Generator,
                          cost_factor: np.ndarray | float = 1.0) -> np.ndarray:
        """Order machines at a review ([A] sec. 1.3); return the new machines asked per firm.

        K̄ moves toward the capital expected demand needs, ``d / kappa``, with a one-year
        memory ([A]'s smoothed need at a daily tick); desired capital ``K̄ / omega``. The order
        replaces what wears out before the next review and closes the gap to desired capital
        (all of it, or the share ``capital_adjustment * years`` with the flexible accelerator),
        at most :data:`MAX_EXPANSION` a year (adjustment costs), and replaces the undelivered
        rest of the previous order. A firm with a loss since its last review orders
        replacement only (profitability). The firm compares its K-firm with the cheaper of two
        random living K-firms with stock ([A]: Z_k = 2) and switches with [C]'s probability.
        ``cost_factor`` (per reviewing firm) scales desired capital by the user cost of capital
        (:func:`arena.credit_phase.user_cost_factor`).
        """
        cfg = self.config
        if idx.size == 0:
            return np.zeros(0)
        years = cfg.review_ticks / cfg.ticks_per_year
        weight = min(years / CAPITAL_SMOOTHING_YEARS, 1.0)
        self.capital_need[idx] += weight * (self.expected_demand[idx] / self.kappa - self.capital_need[idx])
        desired = self.capital_need[idx] / cfg.target_utilisation * cost_factor
        wear = cfg.depreciation * years * self.capital[idx]
        # [A] closes the whole gap at a review; the flexible accelerator (Koyck 1954; Jorgenson
        # 1971's survey: a lag of several quarters) only the share lambda * years of it (lambda > 0)
        lam = cfg.capital_adjustment
        gap_share = min(lam * years, 1.0) if lam > 0 else 1.0
        expansion = np.clip(gap_share * (desired - self.capital[idx]), 0.0,
                            MAX_EXPANSION * years * self.capital[idx])
        order = wear + expansion
        order = np.where(self.profit_acc[idx] < 0, np.minimum(order, wear), order)
        living = np.flatnonzero(kalive)
        if living.size:
            effective = np.where(kalive & (kstock > 0), kprices, np.inf)
            pick = living[rng.integers(0, living.size, (idx.size, 2))]
            best = np.where(effective[pick[:, 0]] <= effective[pick[:, 1]], pick[:, 0], pick[:, 1])
            p_new, p_old = effective[best], effective[self.k_supplier[idx]]
            found = np.isfinite(p_new)
            switch = switch_probability(np.where(found, p_new, 1.0), p_old)
            move = found & (rng.random(idx.size) < switch)
            self.k_supplier[idx] = np.where(move, best, self.k_supplier[idx])
        new = np.maximum(order - self.k_order[idx], 0.0)  # what the supplier had not yet been asked for
        self.k_order[idx] = order  # an order replaces the undelivered rest of the previous one
        return new

    def depreciate(self) -> float:
        """Capital wears by ``depreciation / ticks_per_year``; returns the machines lost."""
        cfg = self.config
        lost = self.capital * (cfg.depreciation / cfg.ticks_per_year)
        self.capital -= lost
        return float(lost.sum())
