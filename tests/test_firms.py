"""The firm sector: relations that must EMERGE from firms, search and matching (issue 12).

Each test states the economics it expects, with its source, before the run; none checks a
value the code sets directly. Runs are small (a few thousand households) to stay cheap.
"""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaModel
from arena.markets import goods, labour
from tests.conftest import assert_state_valid


def run(n=4000, ticks=600, seed=1, shock_at=None, **kw):
    m = ArenaModel(n_agents=n, seed=seed, **kw)
    for t in range(ticks):
        if shock_at is not None and t == shock_at:
            m.apply_shock("catastrophe", 0.6, resource="oil")
        m.step()
    return m


# ------------------------------------------------------------------ markets, unit level ---
def test_pro_rata_rationing_sells_no_more_than_stock_and_books_every_visit():
    # 3 shops; households 0-5 at shop 0 (stock 2 units), 6-7 at shop 1 (ample), shop 2 empty
    rng = np.random.default_rng(0)
    supplier = np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int32)
    budget = np.ones(8)
    price = np.array([1.0, 1.0, 2.0])
    stock = np.array([2.0, 100.0, 0.0])
    res = goods.sell(supplier.copy(), budget, 1.0, 0.0, price, stock, np.ones(3, bool), rng)
    assert res.booked[0] == pytest.approx(6.0)  # all six asked shop 0, served or not
    assert res.sold[0] == pytest.approx(2.0)
    assert (res.sold <= stock + 1e-12).all()
    assert res.spent.sum() == pytest.approx(res.revenue.sum())
    assert (res.spent <= budget + 1e-12).all()


def test_switching_probability_follows_caiani_et_al():
    # Caiani et al. (2016): 1 - exp(eps (p_new - p_old) / p_new), eps = ln2 / 0.2: a 20 %
    # cheaper offer (relative to the new price) is taken half the time; never a dearer one.
    p_new = np.array([1.0, 1.0, 1.0])
    p_old = np.array([1.2, 1.0, 0.9])
    prob = goods.switch_probability(p_new, p_old)
    assert prob[0] == pytest.approx(0.5)
    assert prob[1] == 0.0 and prob[2] == 0.0


def test_matching_hires_no_more_than_vacancies_or_unemployed():
    rng = np.random.default_rng(3)
    employer = np.full(1000, -1, dtype=np.int32)
    employer[:900] = rng.integers(0, 5, 900)
    vac = np.array([10, 0, 50, 3, 0])
    before = np.bincount(employer[employer >= 0], minlength=5)
    hires = labour.match(employer, vac, 100, 0.5, rng)
    assert (hires <= vac).all() and hires.sum() <= 100
    after = np.bincount(employer[employer >= 0], minlength=5)
    assert (after - before == hires).all()  # each hire is one formerly unemployed household
    assert hires.sum() > 0


# ------------------------------------------------------------------ emergent relations ----
def test_firms_that_sell_out_raise_prices_and_firms_with_unsold_stock_cut_them(monkeypatch):
    # [A]'s price conditions with [B]'s unsold-output signal: sold at least what it made since its
    # last review and a price below the mean -> markup up; sold less than it made and a price above
    # the mean -> markup down. Measured on the reviews that happen in a run: the signal is read from
    # the accumulators independently of FirmSector.excess_demand.
    from arena.sectors.firms import FirmSector, GoodsFirms

    seen = []
    original = FirmSector.review_price_quantity

    def spy(self, idx, unit_cost, rng):
        if isinstance(self, GoodsFirms) and idx.size:
            sold_out = self.sales_acc[idx] >= self.output_acc[idx]
            before = self.markup[idx].copy()
            original(self, idx, unit_cost, rng)
            seen.append((sold_out, before, self.markup[idx].copy()))
        else:
            original(self, idx, unit_cost, rng)

    monkeypatch.setattr(FirmSector, "review_price_quantity", spy)
    m = ArenaModel(n_agents=4000, seed=5)
    for _ in range(300):
        m.step()
    rises = cuts = 0
    for sold_out, before, after in seen:
        up, down = after > before + 1e-12, after < before - 1e-12  # (1 + mu) - 1 rounds
        assert not (up & ~sold_out).any(), "a markup rose at a firm that sold less than it made"
        assert not (down & sold_out).any(), "a markup fell at a firm that sold at least what it made"
        rises, cuts = rises + int(up.sum()), cuts + int(down.sum())
    assert rises > 0 and cuts > 0, (rises, cuts)


@pytest.mark.slow
def test_markups_ratchet_less_with_the_unsold_output_signal_than_with_the_stock_signal(monkeypatch):
    # Control: the former signal (inventory at or below inventory_ticks * expected demand) on the
    # same seeds. Output falls short of plans, so stocks sit below target while demand is met and
    # that signal reads excess demand too often: markups drift up (docs/validation.md, branch
    # labour: +0.06 in ten years at 20,000 households). The unsold-output signal counts each unit
    # once and should drift less on every seed.
    from arena.sectors.firms import FirmSector

    def drift(seed):
        m = ArenaModel(n_agents=4000, seed=seed)
        start = []
        for t in range(1000):
            m.step()
            if t < 250:
                start.append(m.cfirms.markup[m.cfirms.alive].mean())
        end = [m.cfirms.markup[m.cfirms.alive].mean()]
        for _ in range(249):
            m.step()
            end.append(m.cfirms.markup[m.cfirms.alive].mean())
        return float(np.mean(end) - np.mean(start))

    treated = [drift(s) for s in (1, 2)]

    def stock_signal(self, idx):
        return self.inventory[idx] <= self.config.inventory_ticks * self.expected_demand[idx]

    monkeypatch.setattr(FirmSector, "excess_demand", stock_signal)
    control = [drift(s) for s in (1, 2)]
    assert all(t < c for t, c in zip(treated, control, strict=True)), (treated, control)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "not an outcome of this model: 20 vs 300 firms at 6,000 households, dispersion 0.87/1.10, "
    "1.34/1.17, 0.89/1.06 % on seeds 1-3 (branch fix, after the goods CPI fix; one seed alone is a coin "
    "flip: on int seed 2 passed and the XPASS looked like agreement). docs/validation.md: the price "
    "distribution depends on how many prices a buyer compares, not on how many firms there are"))
def test_more_firms_mean_lower_price_dispersion():
    # Issue 12's expectation: with more competing sellers within households' reach, a
    # firm that prices above the others loses its customers faster, so prices bunch.
    # (In Burdett & Judd 1983 dispersion depends on search intensity; here the sample size
    # is fixed and the number of firms varies.) Mean over three seeds: one seed's sign is noise.
    def dispersion(n_firms):
        return np.mean([run(n=6000, ticks=400, seed=seed, n_firms=n_firms).indicators()
                        .price_dispersion.iloc[100:].mean() for seed in (1, 2, 3)])

    assert dispersion(300) < dispersion(20)


def test_oil_catastrophe_raises_goods_prices_against_the_same_seed():
    # Cost push: oil is a CES input with little substitution; a catastrophe raises its price and
    # so unit costs, which firms pass into prices at their reviews (Hamilton 2003; Kilian 2009: oil
    # shocks raise the price level). Mean over three seeds of the mean price ratio in the
    # 100 ticks after the shock.
    ratios = []
    for seed in (1, 2, 3):
        base = run(n=6000, ticks=400, seed=seed).indicators().price_goods.iloc[301:400]
        shock = run(n=6000, ticks=400, seed=seed, shock_at=300).indicators().price_goods.iloc[301:400]
        ratios.append(float((shock / base).mean() - 1.0))
    assert np.mean(ratios) > 0.0, ratios


def test_oil_catastrophe_costs_a_few_percent_of_output_at_most():
    # Hamilton (1983, 2003), Blanchard & Gali (2007): the oil shocks of 1973-74 and 1979-80 cost
    # the US a few percent of output (peak loss ~1.5-5 %). Here 60 % of oil capacity is blocked
    # for 20 ticks: with a short-run substitution elasticity of 0.1 and input stocks the worst
    # tick's output while the block lasts stays within 5 % of the same seed without the shock
    # (Leontief inputs without stocks lost ~24 % in the first tick). Median over three seeds.
    worst = []
    for seed in (1, 2, 3):
        base = run(n=6000, ticks=330, seed=seed).indicators().output.iloc[300:325]
        shock = run(n=6000, ticks=330, seed=seed, shock_at=300).indicators().output.iloc[300:325]
        worst.append(float((shock / base).min() - 1.0))
    assert np.median(worst) > -0.05, worst


# a strict xfail from b9292a8 (seeds 1-3: 0.128, 0.118, -0.609) until 4831364 (noise traders lean against
# the last return), where it holds: seeds 1-3 0.797, -0.263, -0.251; seeds 1-8 median -0.320, 7 of 8
# negative (6,000 households, ticks 250-1000). The tick-level relation stays weak at this size (the
# quarterly slope of the stylized facts: -1.10, seeds 1-10 at 20,000 households)
def test_price_phillips_curve_slopes_down_over_several_seeds():
    # Phillips (1958), Samuelson & Solow (1960): inflation is lower when unemployment is
    # higher; nothing in the engine imposes it (wages move with each firm's vacancies).
    slopes = []
    for seed in (1, 2, 3):
        d = run(n=6000, ticks=1000, seed=seed).indicators().iloc[250:]
        slopes.append(np.polyfit(d.unemployment, d.inflation, 1)[0])
    assert np.median(slopes) < 0, slopes


def test_beveridge_curve_slopes_down_over_a_long_run():
    # Beveridge curve (Blanchard & Diamond 1989): vacancies and unemployment move inversely.
    d = run(n=6000, ticks=1000, seed=4).indicators().iloc[250:]
    assert np.corrcoef(d.unemployment, d.vacancy_rate)[0, 1] < 0


def test_firms_default_and_enter_and_the_state_stays_valid():
    # firms that keep one tick of wage bill in cash (buffer_ticks 1, the lowest allowed) run out of it
    # when a tick's sales fall short. The default calibration has too few defaults for a short run
    # (about 0.4% of firms a year, docs/validation.md; none in 600 ticks of seed 1 since the tick-0
    # state is the steady state, where the start-up slump used to make some)
    m = run(n=4000, ticks=600, seed=1, check_accounting=True, buffer_ticks=1.0)
    df = m.indicators()
    assert df.firm_defaults.sum() > 0
    assert df.firm_entries.sum() > 0
    assert_state_valid(m)
    assert np.isfinite(df.to_numpy(dtype=float)).all()


def test_firms_frame_has_one_row_per_firm_and_totals_match_indicators():
    m = run(n=3000, ticks=50, seed=2)
    ff = m.firms_frame()
    assert len(ff) == m.cfirms.n + m.kfirms.n
    c = ff[ff.sector == "consumption"]
    assert c.workers.sum() + ff[ff.sector == "capital"].workers.sum() == int((m.pop.employer >= 0).sum())
    assert c.inventory.sum() == pytest.approx(m.current["inventory"])
    assert c.capital.sum() == pytest.approx(m.current["capital"])
    assert m.current["n_firms"] == c.alive.sum()


def test_same_seed_same_firms():
    a, b = run(n=2000, ticks=80, seed=9), run(n=2000, ticks=80, seed=9)
    pd_a, pd_b = a.firms_frame(), b.firms_frame()
    assert pd_a.equals(pd_b)
