"""The effect of each specification formula of docs/model.md (section 12) on the tick path.

Each test runs ``ArenaModel.step()`` and checks a formula against the indicators it produces:
firms' markup pricing, goods search, the vacancy-driven wage, the volatility multiplier, the Taylor rule,
structural inflation, the quantity equation, realised volatility, scarcity and its price
multiplier, the demand elasticity and consumer surplus measured on the books, and the price
impact of an order in the auction against Kyle's lambda measured on the same run.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from arena import ArenaModel
from arena.markets import goods
from arena.markets.equity import Participant

N_AGENTS, TICKS, SEED = 2000, 30, 3


@pytest.fixture(scope="module")
def baseline():
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    for _ in range(80):
        model.step()
    return model, model.indicators()


def test_goods_prices_follow_the_markup_rule_of_the_tick(monkeypatch):
    """[A]'s rule at each review on the tick path: the price is (1 + markup) x unit cost; the
    markup rises only for a firm that sold at least what it made since its last review priced
    below the mean, falls only for one that sold less priced above it, by at most ``price_step``;
    the goods price index is a chained index of the posted prices, so each tick it moves within
    their relatives."""
    from arena.sectors.firms import FirmSector, GoodsFirms

    reviews = []
    original = FirmSector.review_price_quantity

    def spy(self, idx, unit_cost, rng):
        before = (self.markup[idx].copy(), self.price[idx].copy(), self.sales_acc[idx].copy(),
                  self.output_acc[idx].copy(), self.mean_price())
        original(self, idx, unit_cost, rng)
        if isinstance(self, GoodsFirms):
            reviews.append((unit_cost[idx].copy(), before, self.markup[idx].copy(), self.price[idx].copy()))

    monkeypatch.setattr(FirmSector, "review_price_quantity", spy)
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    cfg = model.config
    last_posted = last_alive = None
    last_index = model.prices["goods"]
    links = 0
    for _ in range(TICKS):
        posted = model.cfirms.price.copy()  # goods sell in phase 1 at the prices posted before the tick
        alive = model.cfirms.alive.copy()
        model.step()
        index = model.prices["goods"]
        if last_posted is not None:
            # a chained index of posted prices: each link is a weighted mean of the price
            # relatives of firms open in both ticks, so it lies between the smallest and the
            # largest, and a tick in which no posted price moved leaves the index unchanged
            both = alive & last_alive & model.cfirms.alive
            rel = posted[both] / last_posted[both]
            link = index / last_index
            if rel.size and np.all(rel == 1.0):
                assert link == pytest.approx(1.0, abs=1e-12)
            elif rel.size:
                assert rel.min() * (1 - 1e-12) <= link <= rel.max() * (1 + 1e-12)
                links += 1
        last_posted, last_alive, last_index = posted, alive, index
    assert links > 0
    assert sum(r[0].size for r in reviews) > 0
    rises = cuts = 0
    for cost, (mu0, p0, sold, made, pbar), mu1, p1 in reviews:
        np.testing.assert_allclose(p1, (1 + mu1) * cost, rtol=1e-12)
        short = sold >= made  # sold at least what it made since its last review
        up, down = mu1 > mu0 + 1e-12, mu1 < mu0 - 1e-12  # (1 + mu) - 1 rounds
        assert not (up & ~(short & (p0 < pbar))).any(), "a markup rose without excess demand, low price"
        assert not (down & ~(~short & (p0 > pbar))).any(), "a markup fell without unsold output, high price"
        inside = (mu1 > cfg.min_markup) & (mu1 < cfg.max_markup)
        step = np.abs((1 + mu1) / (1 + mu0) - 1)[inside]
        assert (step <= cfg.price_step * (1 + 1e-12)).all()
        rises, cuts = rises + int(up.sum()), cuts + int(down.sum())
    assert rises > 0 and cuts > 0, (rises, cuts)


def test_search_moves_customers_only_to_cheaper_open_shops(monkeypatch):
    """[C]'s switching on the tick path: a searching household leaves its shop only for a
    cheaper one with stock (or a closed shop for any open one), with probability
    1 - exp(eps (p_new - p_old) / p_new), so over a run customers flow to low prices."""
    moves = []
    original = goods.search

    def spy(supplier, price, stock, alive, share, size, rng):
        before = supplier.copy()
        original(supplier, price, stock, alive, share, size, rng)
        moved = np.flatnonzero(supplier != before)
        old, new = before[moved], supplier[moved]
        moves.append((price[old], alive[old], price[new], stock[new]))

    monkeypatch.setattr(goods, "search", spy)
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    for _ in range(TICKS):
        model.step()
    assert len(moves) == TICKS
    n_moved = 0
    for p_old, old_open, p_new, stock_new in moves:
        assert (stock_new > 0).all()
        assert (p_new[old_open] < p_old[old_open]).all(), "a household moved to a dearer or equal shop"
        n_moved += p_new.size
    assert n_moved > 0


def test_volatility_multiplier_is_the_specification_formula(baseline):
    model, df = baseline
    cfg = model.config
    expected = (1 + df.fear * cfg.fear_weight + df.greed * cfg.greed_weight + df.herding * cfg.herding_weight
                + (df.sentiment - 0.5).abs() * 2 * cfg.extremity_weight)
    np.testing.assert_allclose(df.volatility_multiplier, expected, rtol=1e-12)


def test_policy_rate_follows_the_taylor_rule_with_smoothing(baseline):
    model, df = baseline
    cfg = model.config
    pi, target = df.core_inflation, cfg.base_inflation_rate  # policy reacts to core inflation (y-o-y)
    rule = (cfg.neutral_real_rate + pi + cfg.taylor_inflation_coef * (pi - target)
            + cfg.taylor_output_coef * df.output_gap)
    np.testing.assert_allclose(df.taylor_rate, rule, rtol=1e-12, atol=1e-15)
    previous = np.concatenate([[cfg.neutral_real_rate + target], df.policy_rate.to_numpy()[:-1]])
    tight = df.tightening.to_numpy() > 0
    started = tight & ~np.concatenate([[False], tight[:-1]])
    desired = rule.to_numpy() + cfg.tightening_step * tight
    rate = cfg.rate_smoothing * previous + (1 - cfg.rate_smoothing) * desired
    rate = np.where(started, np.maximum(rate, previous + cfg.tightening_step), rate)
    expected = np.clip(rate, 0.0 if cfg.zero_lower_bound else cfg.min_policy_rate, cfg.max_policy_rate)
    np.testing.assert_allclose(df.policy_rate, expected, rtol=1e-12, atol=1e-15)


def test_wages_move_with_each_firms_vacancy_pressure(monkeypatch):
    """No Phillips curve is imposed (section 6.2): at a review a firm indexes its wage to
    expected inflation plus productivity growth and moves it by up to 3 ``wage_step`` in the
    direction of the labour market's tightness plus its own vacancy pressure relative to other
    firms' (each from vacancy rates relative to the normal one, the tightness with the
    unemployment rate's gap at weight ``wage_unemployment_weight``, computed here from the
    sector's state, not by the engine's function)."""
    from arena.sectors.firms import FirmSector, normal_vacancy_rate

    checked = []
    original = FirmSector.review_wage

    def spy(self, idx, expected_inflation, rng, unemployment=None):
        cfg = self.config
        n = np.maximum(self.ticks_acc[idx], 1)
        index = (expected_inflation + cfg.productivity_growth) * n / cfg.ticks_per_year
        normal = normal_vacancy_rate(cfg)
        alive = np.flatnonzero(self.alive)
        rates = self.vacancy_acc / np.maximum(self.ticks_acc, 1) / np.maximum(self.labour_demand, 1)
        own = np.clip(rates / normal - 1, -1, 1)
        w, u_star = cfg.wage_unemployment_weight, cfg.natural_unemployment
        gap = rates[alive].mean() / normal - 1
        if unemployment is not None:
            gap = (1 - w) * gap - w * (unemployment / u_star - 1)
        tightness = np.clip(gap, -1, 1)
        pressure = tightness + own[idx] - own[alive].mean()
        before = self.wage[idx].copy()
        original(self, idx, expected_inflation, rng, unemployment)
        step = self.wage[idx] / before - 1 - index
        checked.append((step, pressure, 3 * cfg.wage_step))

    monkeypatch.setattr(FirmSector, "review_wage", spy)
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    for _ in range(TICKS):
        model.step()
    signs = set()
    for step, pressure, wage_step in checked:
        tol = 1e-12
        assert (np.abs(step) <= wage_step + tol).all()
        assert (step[pressure > 0] >= -tol).all() and (step[pressure < 0] <= tol).all()
        signs.update(np.sign(step[np.abs(step) > tol]).tolist())
    assert signs == {-1.0, 1.0}, signs


def test_scarcity_and_price_multiplier_are_the_specification_formulas(baseline):
    model, df = baseline
    base = model.base_extraction / model.config.depletion_rate
    for i, spec in enumerate(_resources()):
        level = np.clip(1 - df[f"reserves_{spec.name}"] / base[i], 0, 1)
        np.testing.assert_allclose(df[f"scarcity_{spec.name}"], level, rtol=1e-12, atol=1e-15)
        multiplier = 1 + level * spec.max_multiplier * spec.strategic_importance
        np.testing.assert_allclose(df[f"price_multiplier_{spec.name}"], multiplier, rtol=1e-12)


def _resources():
    from arena.scarcity import RESOURCES

    return RESOURCES


def test_elasticity_measured_on_the_books_is_that_of_the_demand_curves():
    """Households' demand has price elasticity -1 (Cobb-Douglas B/p: water, land) or above it (oil
    products at a retail price, -eps theta p / r: arena.markets.retail); C-firms' CES input orders have the
    conditional own-price elasticity -sigma (1 - theta_k) of the tick's cost shares theta_k, and 0
    when ``input_substitution`` = 0 (Leontief); a mixture of the two lies between them."""
    for sigma in (0.0, 0.1):
        model = ArenaModel(n_agents=N_AGENTS, seed=SEED, input_substitution=sigma)
        firm_elasticity = []
        for _ in range(TICKS):
            model.step()  # the cost shares are set once a tick, before the commodity auctions
            firm_elasticity.append(-model.cfirms.sigma * (1.0 - model.cfirms.input_cost_shares))
        df, firm_elasticity = model.indicators(), np.array(firm_elasticity)
        np.testing.assert_allclose(df.elasticity_goods, -1.0, rtol=1e-3)
        for i, spec in enumerate(_resources()):
            column = df[f"elasticity_{spec.name}"].to_numpy()
            if spec.household_share == 0:  # only firms buy it; the book measures an arc on its grid
                np.testing.assert_allclose(column, firm_elasticity[:, i], rtol=1e-3, atol=1e-9)
            else:
                assert ((column < firm_elasticity[:, i]) & (column > -1.0)).all(), spec.name
        if sigma == 0.0:
            assert (firm_elasticity == 0.0).all()


def test_price_impact_of_a_small_order_matches_kyles_lambda_of_the_same_run():
    """Kyle (1985): d ln p = lambda * (order imbalance). lambda is measured on the run's history;
    an extra market buy of 5-10% of a tick's submitted volume, cleared in the auction, moves the
    price by lambda times the imbalance it adds: on average (the six orders' summed impact within 3x of
    their summed prediction, over three seeds and two sizes), not order by order (docs/model.md, section
    5.2, gives the spread). A small order moves the price by whole steps of the 5-basis-point grid, so
    one may not move it at all when the book is deep at the clearing level (seed 2's 5% order since
    4831364); none may lower it. Large orders can exhaust the book up to the price cap in thin states, so
    only small ones are compared."""
    impacts, predicted = [], []
    for seed in (1, 2, 3):
        model = ArenaModel(n_agents=5000, seed=seed)
        for _ in range(120):
            model.step()
        lam = model.current["kyle_lambda_equity"]
        assert lam > 0
        buy, sell = model.trade_stats["buy_volume"], model.trade_stats["sell_volume"]
        for share in (0.05, 0.1):
            extra = share * (buy + sell)
            control, treated = copy.deepcopy(model), copy.deepcopy(model)
            treated.pending_participants.append(Participant("cb:test", extra, treated.prices["equity"] * 1.5))
            control.step()
            treated.step()
            added = (buy + extra - sell) / (buy + extra + sell) - (buy - sell) / (buy + sell)
            impact = np.log(treated.prices["equity"] / control.prices["equity"])
            assert impact >= 0
            impacts.append(impact)
            predicted.append(lam * added)
    ratio = float(np.sum(impacts) / np.sum(predicted))
    assert 1 / 3 < ratio < 3, (np.round(impacts, 5), np.round(predicted, 5))


def test_quantity_equation_holds_as_an_identity(baseline):
    """M V = P Y with V measured as P Y / M (docs: used as velocity, an identity as an equation)."""
    _, df = baseline
    np.testing.assert_allclose(df.velocity * df.money_supply, df.nominal_output, rtol=1e-12)


# a strict xfail from fw2 (0.31% against the 0.3% tolerance at one tick) until the tick-0 steady state
# (0344ab8), where it holds
def test_goods_consumer_surplus_is_the_integral_of_demand_up_to_the_grid_top():
    """Unit-elastic demand B/p: the integral of demand above P diverges; the book truncates it at
    the top of the price grid, so the measured surplus is B ln(p_top / P) (lower Riemann sum)."""
    from arena.markets.session import SCHEDULE_TICK_FACTOR

    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    cfg = model.config
    spacing = cfg.price_tick * SCHEDULE_TICK_FACTOR
    top = np.exp(np.floor(np.log1p(cfg.max_price_change) / spacing) * spacing)  # p_top / P
    checked = 0
    for _ in range(TICKS):
        budget_total, price = model.budget_total, model.prices["goods"]
        model.step()
        # the book is built with the goods share the tick's commodity auctions set (not last tick's)
        budget = model.goods_share * budget_total
        demand = budget / price
        if model.current["volume_goods"] < 0.99 * demand:  # rationed: the top bids only
            continue
        checked += 1
        expected = budget * np.log(top)
        assert model.current["consumer_surplus_goods"] == pytest.approx(expected, rel=3e-3)
    assert checked >= TICKS // 2


def test_structural_inflation_is_the_specification_sum(baseline):
    """pi_s = base + ((1 + money growth)(1 + velocity change) - 1 - base) + 0.5 gap + behaviour (8.2)."""
    model, df = baseline
    cfg = model.config
    w, T = cfg.inflation_window, cfg.ticks_per_year
    velocity = df.velocity.to_numpy()
    # the window is filled with the first measurement before tick 1 (docs: "as if ... steady")
    history = np.concatenate([np.full(w, velocity[0]), velocity])
    velocity_change = (history[w:] / history[:-w]) ** (T / w) - 1
    behavioural = 0.02 * (df.sentiment - 0.5) + 0.02 * (df.greed - df.fear)
    nominal = (1 + df.money_growth) * (1 + velocity_change) - 1  # growth of M V
    expected = cfg.base_inflation_rate + (nominal - cfg.base_inflation_rate) + 0.5 * df.output_gap \
        + behavioural
    np.testing.assert_allclose(df.structural_inflation, expected, rtol=1e-9, atol=1e-12)


def test_realized_volatility_is_the_rolling_std_of_equity_returns(baseline):
    model, df = baseline
    window = model.config.volatility_window
    from arena.model import INITIAL_EQUITY_PRICE

    prices = np.concatenate([[model.price0 * INITIAL_EQUITY_PRICE], df.price_equity.to_numpy()])
    returns = np.diff(np.log(prices))
    for t in range(window, len(df)):
        expected = returns[t + 1 - window: t + 1].std(ddof=1)
        assert df.realized_volatility.iloc[t] == pytest.approx(expected, rel=1e-9)
