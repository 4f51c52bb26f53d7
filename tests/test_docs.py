"""docs/model.md and README.md stay in step with the code.

The reference tables of docs/model.md are generated from the engine's declarations by
scripts/gen_docs_tables.py; these tests fail when a table is stale, when a parameter,
indicator column, event type or shock kind is missing from the document, or when a
code reference (``arena.module.function``) no longer resolves.
"""

from __future__ import annotations

import importlib
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
