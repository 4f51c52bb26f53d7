"""Sections 4 (the tick) and 12 (specification formula -> code) of docs/model.md, held to the tick.

The tables are parsed, not copied, so the tests keep working when a section is rewritten:

* a traced run (``sys.setprofile``) records which engine functions ``ArenaModel.step()`` calls
  and in which phase; the documented phase order must be the order ``step()`` runs them, and
  every function a row names must run in that row's phase (section 4) or in the tick at all
  (section 12);
* a formula documented as *measured* must feed nothing back: scaling its result changes no
  price, deposit, holding, mood or reserve of a run on the same seed, only indicators; a
  formula documented as *used* whose result is a number must change the run when scaled.

Each formula's effect on the tick path is checked in test_docs_effects.py.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from arena import ArenaModel

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
CODE_REF = re.compile(r"`((?:arena|ArenaModel)(?:\.\w+)+)`")
#: 45 ticks: from the tick-0 steady state (0344ab8) a 5% larger machine order reaches the households
#: (through K-firms' hiring) after 30-45 ticks; in 30 ticks it changed nothing they hold
N_AGENTS, TICKS, SEED = 2000, 45, 3


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
    # 30 ticks: the government first runs a deficit (and issues bonds) after tick 10 at this seed
    return trace_ticks(ArenaModel(n_agents=N_AGENTS, seed=SEED), TICKS)


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
