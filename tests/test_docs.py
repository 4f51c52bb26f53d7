"""docs/model.md and README.md stay in step with the code.

The reference tables and inline values of docs/model.md (and README's inline values) are
generated from the engine's declarations by scripts/gen_docs_tables.py; these tests fail
when a table or value is stale, when a parameter, indicator column, event type or shock
kind is missing from the document, when a code reference (``arena.module.function``) no
longer resolves, when the prose quotes a default, unit or constant the code does not have
(```name` = value``), when it names something in code font that the code does not have,
when README's economy is not the default one, or when the "not modelled" list denies
something the model has. Sections 4 and 12 are held to a traced tick in test_docs_tick.py;
claims that a parameter is unused are held to runs in test_docs_params.py.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from arena.config import PARAMETERS
from arena.events import EVENT_TYPES
from arena.indicators import COLUMNS, MARKETS
from arena.scarcity import RESOURCE_NAMES
from arena.shocks import SHOCK_KINDS

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
README = ROOT / "README.md"


@pytest.fixture(scope="module")
def model_md() -> str:
    return MODEL_MD.read_text()


def mentioned(text: str, name: str) -> bool:
    return f"`{name}`" in text


def test_generated_tables_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs_tables.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("kind, names", [
    ("parameter", list(PARAMETERS)),
    ("indicator column", list(COLUMNS)),
    ("event type", list(EVENT_TYPES)),
    ("shock kind", list(SHOCK_KINDS)),
    ("market", list(MARKETS)),
    ("resource", list(RESOURCE_NAMES)),
])
def test_model_md_lists_every(kind, names, model_md):
    missing = [n for n in names if not mentioned(model_md, n)]
    assert not missing, f"docs/model.md does not mention the {kind}(s) {missing}"


def test_every_parameter_default_is_in_the_parameter_table(model_md):
    block = model_md.split("BEGIN GENERATED parameters", 1)[1].split("END GENERATED parameters", 1)[0]
    for name in PARAMETERS:
        assert re.search(rf"^\| `{name}` \|", block, re.M), f"parameter {name!r} has no row"


def resolve(dotted: str):
    """Import the longest module prefix of ``dotted`` and getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_code_references_resolve(model_md):
    references = sorted(set(re.findall(r"`(arena(?:\.\w+)+)`", model_md)))
    assert len(references) > 30
    broken = []
    for ref in references:
        try:
            resolve(ref)
        except (ImportError, AttributeError) as exc:
            broken.append(f"{ref} ({type(exc).__name__}: {exc})")
    assert not broken, "docs/model.md names code that does not exist:\n" + "\n".join(broken)


def test_model_md_cites_its_sources(model_md):
    for source in ("Taylor", "Kyle", "Brock", "Kirman", "Phillips", "Friedman", "Fisher", "Walras"):
        assert source in model_md.split("## References", 1)[1], f"no reference entry for {source}"


def test_readme_starts_with_the_two_commands_and_links_exist():
    text = README.read_text()
    first_block = re.search(r"```(?:\w+)?\n(.*?)```", text, re.S)
    assert first_block, "README has no code block"
    assert "make run" in first_block.group(1) and "make test" in first_block.group(1)
    for target in ("docs/model.md", "notebooks/"):
        assert target in text
    for link in re.findall(r"\]\(((?:docs|notebooks)/[^)#]+)\)", text):
        if link in ("docs/scenarios.md", "docs/api.md", "docs/performance.md") and not (ROOT / link).exists():
            continue  # written by other parts of the project
        assert (ROOT / link).exists(), f"README links to a missing file: {link}"


# ------------------------------------------------------------------ claims in the prose --
# The prose quotes defaults as `name` = value (or `name` (default value)) and constants as
# `NAME` = value (docs/model.md, section 2). Every such claim is compared with the code, so a
# changed default fails here until the text follows, whoever rewrote the section.
NUMBER = r"[−-]?(?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?(?:[eE][−-]?\d+)?"
CLAIM = re.compile(
    r"`(?P<name>[A-Za-z_]\w*)`\s*(?:=|\(default)\s*"
    r"(?P<value>" + NUMBER + r"|`\"\w+\"`|\btrue\b|\bfalse\b)"
    r"(?P<suffix>%|/tick\b|/year\b|/√year| ticks?\b)?"
    r"(?P<after>\s*\(default\))?"
)
#: a hand-written table row: | `name` | value | ...
CELL_CLAIM = re.compile(r"^\| `(?P<name>[A-Za-z_]\w*)` \| (?P<value>" + NUMBER + r")(?P<suffix>%)? \|", re.M)
#: unit suffix in the prose -> the unit declared in ArenaConfig
SUFFIX_UNITS = {"/tick": "1/tick", "/year": "1/year", "/√year": "1/sqrt(year)",
                " tick": "ticks", " ticks": "ticks"}


def load_generator():
    """scripts/gen_docs_tables.py as a module (its constant modules and inline values)."""
    spec = importlib.util.spec_from_file_location("gen_docs_tables", ROOT / "scripts" / "gen_docs_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outside_generated(text: str) -> str:
    """The document without its generated blocks (those are checked by --check)."""
    return re.sub(r"<!-- BEGIN GENERATED (\w+).*?<!-- END GENERATED \1 -->", "", text, flags=re.S)


def prose_claims(text: str) -> list[dict]:
    """Every `name` = value claim of the prose, with its line number."""
    body = outside_generated(text)
    out = []
    for m in CLAIM.finditer(body):
        line = body.count("\n", 0, m.start()) + 1
        out.append({**m.groupdict(), "where": f"`{m.group('name')}` = {m.group('value')} (line ~{line})"})
    for m in CELL_CLAIM.finditer(body):
        line = body.count("\n", 0, m.start()) + 1
        out.append({**m.groupdict(), "after": None,
                    "where": f"| `{m.group('name')}` | {m.group('value')} | (line ~{line})"})
    return out


def as_number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "").replace("_", ""))


def constant_values() -> dict[str, object]:
    """Every module-level UPPER_CASE constant of the engine modules the docs list."""
    values = {}
    for module_name in load_generator().CONSTANT_MODULES:
        module = importlib.import_module(module_name)
        values.update({k: v for k, v in vars(module).items() if k.isupper()})
    return values


def claim_errors(text: str) -> list[str]:
    """Claims that disagree with the code (wrong default, wrong unit, unknown name)."""
    constants = constant_values()
    errors = []
    for claim in prose_claims(text):
        name, value, suffix = claim["name"], claim["value"], claim["suffix"] or ""
        if value.startswith("`"):  # a string option: a default only when marked "(default)"
            if claim["after"] and name in PARAMETERS and value.strip('`"') != PARAMETERS[name].default:
                errors.append(f"{claim['where']}: the default is {PARAMETERS[name].default!r}")
            continue
        if name in PARAMETERS:
            spec = PARAMETERS[name]
            expected = spec.default
            if spec.kind is bool:
                ok = value in ("true", "false") and (value == "true") == expected
            else:
                number = as_number(value) / (100.0 if suffix == "%" else 1.0)
                ok = expected is not None and math.isclose(number, expected, rel_tol=1e-9, abs_tol=1e-15)
            if not ok:
                errors.append(f"{claim['where']}: ArenaConfig declares the default {expected!r}")
            if suffix in SUFFIX_UNITS and SUFFIX_UNITS[suffix] != spec.unit:
                errors.append(f"{claim['where']}{suffix}: ArenaConfig declares the unit {spec.unit!r}")
        elif name in constants:
            number = as_number(value) / (100.0 if suffix == "%" else 1.0)
            actual = constants[name]
            if not isinstance(actual, (int, float)) or not math.isclose(number, float(actual), rel_tol=1e-9):
                errors.append(f"{claim['where']}: the code has {name} = {actual!r}")
        else:
            errors.append(f"{claim['where']}: {name!r} is neither a parameter nor an engine constant")
    return errors


def test_prose_claims_find_the_quoted_defaults(model_md):
    claims = prose_claims(model_md)
    named = {c["name"] for c in claims}
    # the parser must see the prose's claims, or the check below would pass vacuously
    sentinels = {"trend_extrapolation", "market_impact", "matching_efficiency", "HOARDING"}
    assert len(claims) > 60 and sentinels <= named


def test_every_default_quoted_in_the_prose_is_the_code_default(model_md):
    errors = claim_errors(model_md)
    assert not errors, "docs/model.md quotes values the code does not have:\n" + "\n".join(errors)


def test_claim_check_catches_a_wrong_default_a_wrong_unit_and_an_unknown_parameter(model_md):
    wrong = model_md.replace("`market_impact` = 0.014", "`market_impact` = 0.015", 1)
    assert any("market_impact" in e for e in claim_errors(wrong))
    wrong = model_md.replace("`matching_efficiency` = 0.037/tick", "`matching_efficiency` = 0.037/year", 1)
    assert any("matching_efficiency" in e and "unit" in e for e in claim_errors(wrong))
    assert any("commodity_elasticity" in e for e in claim_errors("`commodity_elasticity` = 0.1 per tick"))
    assert any("trend_memory" in e for e in claim_errors("| `trend_memory` | 0.9 | EWMA weight |\n"))
    assert not claim_errors("| `trend_memory` | 0.8 | EWMA weight |\n")


def source_words() -> set[str]:
    """Every identifier-like word in the engine's source, scenarios and notebooks generator."""
    words: set[str] = set()
    files = list((ROOT / "arena").rglob("*.py")) + list((ROOT / "scenarios").glob("*.toml"))
    for path in files + [ROOT / "scripts" / "make_notebooks.py"]:
        words.update(re.findall(r"[A-Za-z_]\w*", path.read_text()))
    return words


def test_every_name_in_code_font_exists_in_the_code(model_md):
    """A `name` in the text is a parameter, column, event, function... that the code has."""
    known = source_words() | set(COLUMNS) | set(EVENT_TYPES) | set(SHOCK_KINDS) | set(PARAMETERS)
    names = set(re.findall(r"`([A-Za-z_]\w*)`", model_md))
    unknown = sorted(names - known)
    assert not unknown, f"docs/model.md names things the code does not have: {unknown}"


# ------------------------------------------------------------------ README's economy ------
def test_readme_describes_the_default_economy():
    """README's one-paragraph economy is true of the default configuration."""
    from arena.scarcity import RESOURCES

    gen = load_generator()
    text = README.read_text()
    consumed = re.search(r"consume goods(?: \([^)]*\))? and (?:<!--.*?-->)?(\w+) "
                         r"commodit(?:y|ies) \(([^)]*)\)", text)
    assert consumed, "README does not say which commodities households consume"
    households = [r for r in RESOURCES if r.household_share > 0]
    said = [n.strip() for n in re.split(r",| and ", consumed.group(2)) if n.strip()]
    assert said == [gen.display_name(r.name) for r in households], (said, households)
    assert consumed.group(1) == gen.count_word(len(households))
    inputs = re.search(r"(?:firm sector that uses|labour, machines and)\s+(?:<!--.*?-->)?(?:all )?(\w+) "
                       r"commodities \(([^)]*)\)", text)
    assert inputs, "README does not say which commodities firms use"
    said = [n.strip() for n in re.split(r",| and ", inputs.group(2)) if n.strip()]
    assert said == [gen.display_name(r.name) for r in RESOURCES if r.firm_input > 0]
    # the sectors README names exist in the default model
    from arena import ArenaModel

    model = ArenaModel(n_agents=200, seed=0)
    if "aggregate firm sector" in text:  # one firm: no firm population in the configuration or columns
        assert "n_firms" not in PARAMETERS and "n_firms" not in COLUMNS and hasattr(model, "firms")
    if "population of consumption-goods" in text:  # Economy v2: firm populations, counted
        assert {"n_firms", "n_kfirms"} <= set(PARAMETERS) and "n_firms" in COLUMNS
        assert model.cfirms.n > 1 and model.kfirms.n > 1
    if "borrow from banks" in text:
        assert "loans" in COLUMNS and hasattr(model, "banking")
    assert "central bank" in text and hasattr(model, "central_bank")
    assert f"{PARAMETERS['n_agents'].default:,} by default" in text


# ------------------------------------------------------------------ what is not modelled --
#: A phrase of section 13's "Not modelled" list -> indicator columns whose presence makes it false.
NOT_MODELLED_EVIDENCE = {
    "no banks": ("loans", "loan_rate", "bank_equity", "capital_ratio", "bank_failures"),
    "bonds": ("bond_yield", "gov_debt", "cb_bonds"),
    "consumer credit": ("household_loans", "consumer_loans", "mortgages"),
    "no government budget": ("tax_revenue", "benefits", "gov_spending", "deficit", "gov_debt"),
    "no defaults or bankruptcies": ("firm_defaults", "bank_failures"),
    "one aggregate firm sector": ("n_firms", "firm_entries", "markup", "price_dispersion"),
    "no capital or investment": ("investment", "capital"),
}


def not_modelled_list(text: str) -> str:
    section = re.search(r"\nNot modelled.*?\n\n(.*?)(?:\n## |\Z)", text, re.S)
    assert section, "docs/model.md has no 'Not modelled' list"
    return section.group(1)


def stale_not_modelled(text: str, columns) -> list[str]:
    listed = not_modelled_list(text)
    return [f"'{phrase}' but the model has {sorted(set(cols) & set(columns))}"
            for phrase, cols in NOT_MODELLED_EVIDENCE.items()
            if phrase in listed and set(cols) & set(columns)]


def test_not_modelled_list_is_true_of_the_code(model_md):
    stale = stale_not_modelled(model_md, COLUMNS)
    assert not stale, "section 13 says the model lacks what it has:\n" + "\n".join(stale)
    # and the check bites: a model with a loan book contradicts "no banks" (the list before Economy
    # v2 part 2), one with a bond yield contradicts "no ... bonds" (the list now)
    assert stale_not_modelled("\nNot modelled:\n\n* no banks, loans or bonds\n", list(COLUMNS))
    if "bonds" in not_modelled_list(model_md):
        assert stale_not_modelled(model_md, list(COLUMNS) + ["bond_yield"])


def test_initial_and_resting_moods_are_the_code_values(model_md):
    """'Moods start at the neutral values sentiment 0.5, ...' and 'rest at 0.5, 0.2, 0.2, 0.6'."""
    from arena import ArenaModel
    from arena.psychology import NEUTRAL

    text = re.sub(r"\s+", " ", model_md)
    start = re.search(r"Moods start at the neutral values (.*?)\. ", text)
    assert start, "docs/model.md does not say where moods start"
    said = {k: float(v) for k, v in re.findall(r"(\w+) (\d+(?:\.\d+)?)", start.group(1))}
    model = ArenaModel(n_agents=50, seed=0)
    assert set(said) == set(NEUTRAL)
    for mood, value in said.items():
        assert float(getattr(model.pop, mood)[0]) == pytest.approx(value), mood
    rest = re.search(r"moods rest at ([\d., ]+);", text)
    assert rest, "docs/model.md does not say where moods rest"
    assert [float(v) for v in re.findall(r"[\d.]+\d", rest.group(1))] == list(NEUTRAL.values())


def test_model_md_has_no_control_characters(model_md):
    """A LaTeX command written through a Python string with single backslashes (\\bar, \\text,
    \\varepsilon) turns into a control character and renders as garbage."""
    bad = sorted({repr(c) for c in model_md if ord(c) < 32 and c != "\n"})
    assert not bad, f"docs/model.md contains control characters {bad}"
