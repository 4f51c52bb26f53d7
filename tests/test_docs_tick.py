"""Sections 4 (the tick) and 12 (specification formula -> code) of docs/model.md, held to the tick.

The tables are parsed, not copied, so the tests keep working when a section is rewritten:

* a traced run (``sys.setprofile``) records which engine functions ``ArenaModel.step()`` calls
  and in which phase; the documented phase order must be the order ``step()`` runs them, and
  every function a row names must run in that row's phase (section 4) or in the tick at all
  (section 12);
* a formula documented as *measured* must feed nothing back: scaling its result changes no
  price, deposit, holding, mood or reserve of a run on the same seed, only indicators; a
  formula documented as *used* whose result is a number must change the run when scaled;
* each specification formula's effect is checked on the tick path against the indicators:
  the goods tatonnement, the volatility multiplier, the Taylor rule, the Phillips-curve wage,
  structural inflation, the quantity equation, realised volatility, scarcity and its price
  multiplier, the demand elasticity and consumer surplus measured on the books, and the price
  impact of an order in the auction against Kyle's lambda measured on the same run.
"""

from __future__ import annotations

import copy
import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from arena import ArenaModel
from arena.markets import session
from arena.markets.equity import Participant

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
CODE_REF = re.compile(r"`((?:arena|ArenaModel)(?:\.\w+)+)`")
N_AGENTS, TICKS, SEED = 2000, 30, 3


@pytest.fixture(scope="module")
def model_md() -> str:
    return MODEL_MD.read_text()


# ------------------------------------------------------------------ parsing the tables --
def table(text: str, first_header: str) -> list[dict[str, str]]:
    """Rows (header -> cell) of the markdown table whose first header cell is ``first_header``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = split_row(line)
        if cells and cells[0] == first_header and i + 1 < len(lines) and set(lines[i + 1]) <= set("|-: "):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(cells, split_row(row), strict=False)))
            return rows
    raise AssertionError(f"docs/model.md has no table starting with the column {first_header!r}")


def split_row(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def qualify(ref: str) -> str:
    """``ArenaModel._phase_markets`` -> ``arena.model.ArenaModel._phase_markets``."""
    return "arena.model." + ref if ref.startswith("ArenaModel.") else ref


def refs(cell: str) -> list[str]:
    return [qualify(r) for r in CODE_REF.findall(cell)]


def resolve(dotted: str):
    """(owner, attribute name, object) for a dotted engine name."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:-1]:
            owner = getattr(owner, attr)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise ModuleNotFoundError(dotted)


# ------------------------------------------------------------------ tracing the tick ----
def trace_ticks(model: ArenaModel, ticks: int) -> tuple[list[str], dict[str, set[str]]]:
    """Run ``ticks`` steps under a profiler.

    Returns
    -------
    phases : list of str
        The private ``ArenaModel`` methods that ``step()`` calls itself, in call order.
    calls : dict
        Qualified name of every Python function called during the steps -> the phases
        (methods called by ``step()``) during which it ran.
    """
    step_code = type(model).step.__code__
    phases: list[str] = []
    calls: dict[str, set[str]] = {}
    current = ["step"]

    def profile(frame, event, arg):
        if event != "call":
            return
        name = f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}"
        if frame.f_back is not None and frame.f_back.f_code is step_code:
            current[0] = name
            if name.startswith("arena.model.ArenaModel._") and name not in phases:
                phases.append(name)
        calls.setdefault(name, set()).add(current[0])

    sys.setprofile(profile)
    try:
        for _ in range(ticks):
            model.step()
    finally:
        sys.setprofile(None)
    return phases, calls


@pytest.fixture(scope="module")
def traced():
    return trace_ticks(ArenaModel(n_agents=N_AGENTS, seed=SEED), 5)


def tick_table(text: str) -> list[dict[str, str]]:
    rows = table(text, "#")
    assert [int(r["#"]) for r in rows] == list(range(1, len(rows) + 1)), "phases are not numbered 1..n"
    return rows


def documented_phases(text: str) -> list[str]:
    """The phase method each row of the tick table names first (``ArenaModel._...``)."""
    out = []
    for row in tick_table(text):
        methods = [r for r in refs(row["code"]) if r.startswith("arena.model.ArenaModel._")]
        assert methods, f"tick table row {row['#']} names no ArenaModel phase method"
        out.append(methods[0])
    return out


def test_tick_order_is_the_order_step_runs_the_phases(model_md, traced):
    phases, _ = traced
    assert documented_phases(model_md) == phases


def test_tick_order_check_catches_a_swapped_phase(model_md, traced):
    rows = [line for line in model_md.splitlines() if re.match(r"\| [12] \| ", line)]
    swapped = model_md.replace(rows[0], "@@").replace(rows[1], rows[0].replace("| 1 |", "| 2 |"))
    swapped = swapped.replace("@@", rows[1].replace("| 2 |", "| 1 |"))
    assert documented_phases(swapped) != traced[0]


def test_every_function_of_the_tick_table_runs_in_its_phase(model_md, traced):
    _, calls = traced
    wrong = []
    for row, phase in zip(tick_table(model_md), documented_phases(model_md), strict=True):
        for ref in refs(row["code"]):
            if phase not in calls.get(ref, set()):
                ran = sorted(calls.get(ref, [])) or "no phase"
                wrong.append(f"phase {row['#']} names {ref}, which ran in {ran}")
    assert not wrong, "\n".join(wrong)


def spec_table(text: str) -> list[dict[str, str]]:
    rows = table(text, "specification formula")
    assert rows and {"role", "code"} <= set(rows[0]), "section 12 needs 'role' and 'code' columns"
    return rows


def not_run(text: str, calls: dict) -> list[str]:
    return [ref for r in spec_table(text) for ref in refs(r["code"]) if ref not in calls]


def test_section_12_names_only_code_the_tick_runs(model_md, traced):
    rows = spec_table(model_md)
    assert all(r["role"] in ("used", "measured") for r in rows), [r["role"] for r in rows]
    missing = not_run(model_md, traced[1])
    assert not missing, f"section 12 names code the tick does not run: {missing}"


def test_section_12_check_catches_code_outside_the_tick(model_md, traced):
    # analysis code that only notebooks and tests call (the maximum drawdown) is caught
    gini = "`arena.indicators.gini` |"
    dead = model_md.replace(gini, "`arena.indicators.gini`, `arena.indicators.max_drawdown` |")
    assert not_run(dead, traced[1]) == ["arena.indicators.max_drawdown"]


# ------------------------------------------------------------------ used vs measured ----
def scaled(value, hit: list):
    """``value`` with every float in it scaled by 1.05 and shifted by 1e-3 (tuples, arrays)."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (float, np.floating)):
        hit.append(1)
        return type(value)(value * 1.05 + 1e-3)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        hit.append(1)
        return value * 1.05 + 1e-3
    if isinstance(value, tuple):
        return tuple(scaled(v, hit) for v in value)
    return value


def perturbed_run(monkeypatch, ref: str | None):
    """Indicators, events and state of a run with ``ref``'s result scaled; and whether it was."""
    hit: list = []
    if ref is not None:
        owner, name, original = resolve(ref)
        if isinstance(owner, type):
            def method(self, *args, **kwargs):
                return scaled(original(self, *args, **kwargs), hit)
            monkeypatch.setattr(owner, name, method)
        else:
            def function(*args, **kwargs):
                return scaled(original(*args, **kwargs), hit)
            for module in [m for n, m in sys.modules.items() if n.startswith("arena") and m is not None]:
                for attr, value in list(vars(module).items()):
                    if value is original:
                        monkeypatch.setattr(module, attr, function)
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    for _ in range(TICKS):
        model.step()
    monkeypatch.undo()
    pop = model.pop
    state = np.concatenate([
        pop.cash, pop.shares, pop.employed.astype(float), pop.sentiment, pop.fear, pop.greed,
        pop.confidence, pop.budget, np.array(sorted(model.prices.items()))[:, 1].astype(float),
        model.scarcity.reserves, [model.money_supply(), model.central_bank.policy_rate,
                                  model.central_bank.expected_inflation],
    ])
    return model.indicators(), state, bool(hit)


@pytest.fixture(scope="module")
def control():
    with pytest.MonkeyPatch.context() as mp:
        return perturbed_run(mp, None)


def spec_refs(text: str, role: str) -> list[str]:
    return sorted({ref for r in spec_table(text) if r["role"] == role for ref in refs(r["code"])})


def test_measured_formulas_feed_nothing_back(model_md, control, monkeypatch):
    measured = spec_refs(model_md, "measured")
    assert measured, "section 12 lists no measured formula"
    for ref in measured:
        indicators, state, hit = perturbed_run(monkeypatch, ref)
        assert hit, f"{ref} returned no number to perturb: document what it measures differently"
        assert not indicators.equals(control[0]), f"scaling {ref} changed no indicator: it measures nothing"
        assert np.array_equal(state, control[1]), f"{ref} is documented as measured but changes the economy"


def test_used_formulas_change_the_economy(model_md, control, monkeypatch):
    checked = []
    for ref in spec_refs(model_md, "used"):
        _, state, hit = perturbed_run(monkeypatch, ref)
        if not hit:  # a procedure (no numeric result): its effect is tested below
            continue
        checked.append(ref)
        assert not np.array_equal(state, control[1]), f"{ref} is documented as used but changes nothing"
    assert len(checked) >= 10, checked


# ------------------------------------------------------------------ formula effects -----
@pytest.fixture(scope="module")
def baseline():
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    for _ in range(80):
        model.step()
    return model, model.indicators()


def test_goods_price_follows_the_tatonnement_of_the_tick(monkeypatch):
    """P' = P (1 + clip(eps (D/S - 1), -c, c)) with D = goods budget / P, on the tick path."""
    calls = []
    original = session.equilibrium_price

    def spy(price, demand, supply, elasticity, max_change):
        calls.append((price, demand, supply, elasticity, max_change))
        return original(price, demand, supply, elasticity, max_change)

    monkeypatch.setattr(session, "equilibrium_price", spy)
    model = ArenaModel(n_agents=N_AGENTS, seed=SEED)
    cfg = model.config
    demands, prices = [], []
    for tick in range(40):
        if tick == 20:
            model.apply_shock("money", 0.2)  # more deposits -> bigger budgets -> excess demand
        prices.append(model.prices["goods"])
        demands.append(model.goods_share * model.budget_total / model.prices["goods"])
        model.step()
    df = model.indicators()
    assert len(calls) == 40
    for t, (price, demand, supply, eps, cap) in enumerate(calls):
        assert price == prices[t] and demand == pytest.approx(demands[t], rel=1e-12)
        assert (eps, cap) == (cfg.goods_elasticity, cfg.max_price_change)
        expected = price * (1 + np.clip(eps * (demand / supply - 1), -cap, cap))
        following = df["price_goods"].iloc[t + 1] if t + 1 < len(df) else model.prices["goods"]
        assert following == pytest.approx(expected, rel=1e-12)
    # the money shock raises demand above supply, and the tatonnement raises the price
    after = calls[21:30]
    assert all(d > s for _, d, s, _, _ in after)
    assert df["price_goods"].iloc[30] > df["price_goods"].iloc[20]


def test_volatility_multiplier_is_the_specification_formula(baseline):
    model, df = baseline
    cfg = model.config
    expected = (1 + df.fear * cfg.fear_weight + df.greed * cfg.greed_weight + df.herding * cfg.herding_weight
                + (df.sentiment - 0.5).abs() * 2 * cfg.extremity_weight)
    np.testing.assert_allclose(df.volatility_multiplier, expected, rtol=1e-12)


def test_policy_rate_follows_the_taylor_rule_with_smoothing(baseline):
    model, df = baseline
    cfg = model.config
    pi, target = df.inflation, cfg.base_inflation_rate
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


def test_wage_grows_by_the_phillips_curve(baseline):
    model, df = baseline
    cfg = model.config
    # from tick 2 (construction already ran phase 2 once): wage_t from wage_{t-1}, pi_e of t-1, u of t
    expected_before = df.expected_inflation.to_numpy()[:-1]
    gap = cfg.natural_unemployment - df.unemployment.to_numpy()[1:]
    growth = np.clip(expected_before + cfg.phillips_slope * gap, -0.5, 2)
    wage = df.wage.to_numpy()
    np.testing.assert_allclose(wage[1:], wage[:-1] * (1 + growth) ** (1 / cfg.ticks_per_year), rtol=1e-12)


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


def test_elasticity_measured_on_the_books_is_that_of_the_demand_curves(baseline):
    """Cobb-Douglas demand B/p has price elasticity -1; firms' input demand p^-1/2 has -1/2."""
    model, df = baseline
    np.testing.assert_allclose(df.elasticity_goods, -1.0, rtol=1e-3)
    for spec in _resources():
        column = df[f"elasticity_{spec.name}"]
        if spec.household_share == 0:  # only firms buy it
            np.testing.assert_allclose(column, -0.5, rtol=1e-3)
        else:  # a mixture of the two demands lies between them
            assert ((column < -0.5) & (column > -1.0)).all(), spec.name


def test_price_impact_of_a_small_order_matches_kyles_lambda_of_the_same_run():
    """Kyle (1985): d ln p = lambda * (order imbalance). lambda is measured on the run's history;
    an extra market buy of 5-10% of a tick's submitted volume, cleared in the auction, moves the
    price by lambda times the imbalance it adds: on average (geometric mean over three seeds and
    two sizes within 3x), not order by order (docs/model.md, section 5.2, gives the spread). Large
    orders can exhaust the book up to the price cap in thin states, so only small ones are compared."""
    ratios = []
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
            assert impact > 0
            ratios.append(impact / (lam * added))
    mean_ratio = float(np.exp(np.mean(np.log(ratios))))
    assert 1 / 3 < mean_ratio < 3, ratios


def test_quantity_equation_holds_as_an_identity(baseline):
    """M V = P Y with V measured as P Y / M (docs: used as velocity, an identity as an equation)."""
    _, df = baseline
    np.testing.assert_allclose(df.velocity * df.money_supply, df.nominal_output, rtol=1e-12)


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
        budget = model.goods_share * model.budget_total
        demand = budget / model.prices["goods"]
        model.step()
        if model.current["volume_goods"] < 0.99 * demand:  # rationed: the top bids only
            continue
        checked += 1
        expected = budget * np.log(top)
        assert model.current["consumer_surplus_goods"] == pytest.approx(expected, rel=3e-3)
    assert checked >= TICKS // 2


def test_structural_inflation_is_the_specification_sum(baseline):
    """pi_s = base + (money growth - base) + velocity change + 0.5 gap + behavioural term (8.2)."""
    model, df = baseline
    cfg = model.config
    w, T = cfg.inflation_window, cfg.ticks_per_year
    velocity = df.velocity.to_numpy()
    # the window is filled with the first measurement before tick 1 (docs: "as if ... steady")
    history = np.concatenate([np.full(w, velocity[0]), velocity])
    velocity_change = (history[w:] / history[:-w]) ** (T / w) - 1
    behavioural = 0.02 * (df.sentiment - 0.5) + 0.02 * (df.greed - df.fear)
    expected = cfg.base_inflation_rate + (df.money_growth - cfg.base_inflation_rate) + velocity_change \
        + 0.5 * df.output_gap + behavioural
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
