"""Regenerate the reference tables of docs/model.md from the engine's own declarations.

The tables between ``<!-- BEGIN GENERATED <name> -->`` and ``<!-- END GENERATED <name> -->``
markers are written from the code, so the documentation cannot drift from it:

=============  ==================================================================
parameters     ``arena.config.PARAMETERS`` (grouped by the section comments of config.py)
columns        ``arena.indicators.COLUMNS`` (every indicator column with its unit)
events         ``arena.events.EVENT_TYPES``
shocks         ``arena.shocks.SHOCK_KINDS`` and the table in its module docstring
resources      ``arena.scarcity.RESOURCES``
constants      module-level constants documented with ``#:`` comments in the engine
=============  ==================================================================

Numbers inside sentences are generated the same way, between inline markers
``<!-- GEN <name> -->...<!-- /GEN -->`` (hidden when the markdown is rendered), from
:data:`INLINE`; README.md may use them too. Other numbers that the prose quotes from the
code (``name`` = default, constants, the tick order, section 12's mapping) are checked by
tests/test_docs.py and tests/test_docs_tick.py.

Usage, from the project root::

    .venv/bin/python scripts/gen_docs_tables.py            # rewrite the tables in place
    .venv/bin/python scripts/gen_docs_tables.py --check    # exit 1 if a table is stale
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model.md"
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT))

from arena import config as config_module  # noqa: E402
from arena import events as events_module  # noqa: E402
from arena import indicators as indicators_module  # noqa: E402
from arena import scarcity as scarcity_module  # noqa: E402
from arena import shocks as shocks_module  # noqa: E402

#: Engine modules whose ``#:``-documented constants are listed, in documentation order.
CONSTANT_MODULES = ("arena.model", "arena.markets.session", "arena.behaviour", "arena.population",
                    "arena.sectors.firms", "arena.markets.goods", "arena.markets.labour",
                    "arena.markets.equity", "arena.markets.schedules", "arena.markets.retail",
                    "arena.psychology", "arena.scarcity",
                    "arena.accounting")

MARKER = re.compile(r"(<!-- BEGIN GENERATED (\w+)[^>]*-->\n)(.*?)(<!-- END GENERATED \2 -->)", re.S)
INLINE_MARKER = re.compile(r"(<!-- GEN (\w+) -->)(.*?)(<!-- /GEN -->)")


# ------------------------------------------------------------------------------ formatting --
def fmt(value) -> str:
    """Format a value as it would be written in a TOML scenario file."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, np.ndarray):
        values = ", ".join(f"{v:g}" for v in value.ravel())
        return f"[{values}]" if value.size <= 8 else f"{value.size} values from {value.min():g} to {value.max():g}"
    return str(value)


def cell(text: str) -> str:
    """Escape a table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ the tables --
def parameter_sections() -> dict[str, str]:
    """Parameter name -> section title, from the ``# --- title ---`` comments of config.py."""
    sections, current = {}, "other"
    for line in Path(config_module.__file__).read_text().splitlines():
        header = re.match(r"\s*# -+ (.+?) -+\s*$", line)
        if header:
            current = header.group(1)
        key = re.match(r'\s+"(\w+)": P\(', line)
        if key:
            sections[key.group(1)] = current
    return sections


def allowed(spec) -> str:
    """The valid values of a parameter, compactly."""
    if spec.kind is str:
        return " \\| ".join(f'"{o}"' for o in spec.options)
    if spec.kind is bool:
        return "true, false"
    lo = "−∞" if spec.low is None else fmt(spec.kind(spec.low))
    hi = "∞" if spec.high is None else fmt(spec.kind(spec.high))
    text = f"[{lo}, {hi}]"
    return text + " or none" if spec.nullable else text


def parameters_table() -> str:
    """Every parameter, grouped by section: name, default, unit, valid range, meaning."""
    sections = parameter_sections()
    out, current = [], None
    rows: list[list[str]] = []
    for name, spec in config_module.PARAMETERS.items():
        section = sections.get(name, "other")
        if section != current:
            if rows:
                out.append(table(["parameter", "default", "unit", "valid values", "meaning"], rows))
            out.append(f"**{section[0].upper() + section[1:]}**\n")
            current, rows = section, []
        rows.append([f"`{name}`", fmt(spec.default), spec.unit, allowed(spec), spec.doc])
    out.append(table(["parameter", "default", "unit", "valid values", "meaning"], rows))
    return "\n".join(out)


def columns_table() -> str:
    """Aggregate columns one per row; per-market and per-resource columns one row per quantity."""
    columns = indicators_module.COLUMNS
    markets = indicators_module.MARKETS
    resources = scarcity_module.RESOURCE_NAMES
    per_market: dict[str, list[str]] = {}
    per_resource: dict[str, list[str]] = {}
    aggregate = []
    for name in columns:
        market = next((m for m in markets if name.endswith("_" + m)), None)
        prefix = name[: -len(market) - 1] if market else None
        if market and all(f"{prefix}_{m}" in columns for m in markets):
            per_market.setdefault(prefix, []).append(name)
        elif market in resources and all(f"{prefix}_{r}" in columns for r in resources):
            per_resource.setdefault(prefix, []).append(name)
        else:
            aggregate.append(name)
    parts = [table(["column", "unit", "meaning"],
                   [[f"`{n}`", columns[n][0], columns[n][1]] for n in aggregate])]

    def grouped(groups: dict[str, list[str]], what: str) -> str:
        rows = []
        for prefix, names in groups.items():
            unit, meaning = columns[names[0]]
            meaning = meaning.replace(names[0][len(prefix) + 1:], f"<{what}>", 1)
            rows.append([f"`{prefix}_<{what}>`", unit, meaning, ", ".join(f"`{n}`" for n in names)])
        return table([f"columns (one per {what})", "unit", "meaning", "names"], rows)

    parts.append(f"Per market ({', '.join(f'`{m}`' for m in markets)}):\n")
    parts.append(grouped(per_market, "market"))
    parts.append(f"Per resource ({', '.join(f'`{r}`' for r in resources)}):\n")
    parts.append(grouped(per_resource, "resource"))
    return "\n".join(parts)


def events_table() -> str:
    """Every event type, whether it is stored in the log, and its meaning."""
    rows = [[f"`{name}`", "streamed each tick" if name in events_module.UPDATE_TYPES else "stored + streamed",
             meaning] for name, meaning in events_module.EVENT_TYPES.items()]
    return table(["event type", "kind", "meaning"], rows)


def shock_docs() -> dict[str, tuple[str, str]]:
    """kind -> (size meaning, target meaning) from the table in arena/shocks.py's docstring."""
    doc = shocks_module.__doc__ or ""
    lines = doc.splitlines()
    rulers = [i for i, line in enumerate(lines) if re.match(r"^=+(\s+=+)+\s*$", line)]
    if len(rulers) < 3:
        return {}
    starts = [m.start() for m in re.finditer(r"=+", lines[rulers[0]])] + [None]
    out = {}
    for line in lines[rulers[1] + 1: rulers[2]]:
        fields = [line[a:b].strip() for a, b in zip(starts[:-1], starts[1:])]
        if fields and fields[0]:
            out[fields[0]] = (fields[1], fields[2] if len(fields) > 2 else "")
    return out


def shocks_table() -> str:
    """Every shock kind with its valid size and target keywords."""
    docs = shock_docs()
    rows = []
    for kind, (low, high, closed, targets) in shocks_module.SHOCK_KINDS.items():
        size, target = docs.get(kind, ("", ""))
        interval = f"{'[' if closed else '('}{low:g}, {high:g}]"
        meaning = size.split(":", 1)[1].strip() if ":" in size else size
        rows.append([f"`{kind}`", interval, meaning, ", ".join(f"`{t}`" for t in targets) or "—", target])
    return table(["kind", "size", "size means", "target keywords", "targets / notes"], rows)


def resources_table() -> str:
    """The resource specifications."""
    rows = []
    for r in scarcity_module.RESOURCES:
        rows.append([f"`{r.name}`", r.kind, fmt(r.strategic_importance), fmt(r.max_multiplier),
                     fmt(r.firm_input), fmt(r.household_share), fmt(r.retail_cost_share),
                     fmt(r.household_elasticity), fmt(r.output_elasticity), fmt(r.initial_level)])
    return table(["resource", "kind", "strategic importance", "max multiplier",
                  "firm input a_k [units/good]", "household budget share α_k",
                  "commodity cost share of the retail price ϑ_k", "household price elasticity ε_k",
                  "output elasticity θ_k", "initial reserves [share of base]"], rows)


def documented_constants(module_name: str) -> list[tuple[str, str, str]]:
    """(name, value, meaning) of the module-level constants preceded by ``#:`` comments."""
    module = importlib.import_module(module_name)
    source = Path(module.__file__).read_text()
    lines = source.splitlines()
    out = []
    for node in ast.parse(source).body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        if len(targets) != 1:
            continue
        comment, i = [], node.lineno - 2
        while i >= 0 and lines[i].lstrip().startswith("#:"):
            comment.insert(0, lines[i].lstrip()[2:].strip())
            i -= 1
        if not comment:
            continue
        value = getattr(module, targets[0], None)
        if isinstance(value, (dict, tuple, list)) and not isinstance(value, np.ndarray):
            continue  # structured tables are documented by their own generated tables
        out.append((targets[0], fmt(value), " ".join(comment)))
    return out


def constants_table() -> str:
    """Fixed (not configurable) constants of the engine, by module."""
    rows = []
    for module_name in CONSTANT_MODULES:
        for name, value, meaning in documented_constants(module_name):
            rows.append([f"`{module_name}.{name}`", value, meaning])
    return table(["constant", "value", "meaning"], rows)


# ------------------------------------------------------------------------ inline values --
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")


def count_word(n: int) -> str:
    """Return a small count as a word (as prose writes it), larger ones as digits."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def display_name(resource: str) -> str:
    """Return a resource's name in prose (``rare_earths`` -> rare earths, ``ip`` -> IP spelled out)."""
    return {"ip": "intellectual property"}.get(resource, resource.replace("_", " "))


def percent(share: float) -> str:
    """Return a share as a percentage (0.06 -> 6%)."""
    return f"{100 * share:.4g}%"


def consumed() -> list:
    """Return the resources with a positive household budget share (what households buy)."""
    return [r for r in scarcity_module.RESOURCES if r.household_share > 0]


def inputs() -> list:
    """Return the resources that firms use as production inputs."""
    return [r for r in scarcity_module.RESOURCES if r.firm_input > 0]


def names_list(resources) -> str:
    """Return the resources' names as a prose list (``oil, water and land``)."""
    names = [display_name(r.name) for r in resources]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def largest_output_elasticity() -> str:
    """Return the resource whose shortage costs most output, with its elasticity."""
    top = max(scarcity_module.RESOURCES, key=lambda r: r.output_elasticity)
    return f"{top.name} {fmt(top.output_elasticity)}"


#: name -> function returning the text of an inline generated value.
INLINE = {
    "n_resources": lambda: count_word(len(scarcity_module.RESOURCES)),
    "n_resources_title": lambda: count_word(len(scarcity_module.RESOURCES)).capitalize(),
    "household_shares": lambda: ", ".join(f"{r.name} {percent(r.household_share)}" for r in consumed()),
    "goods_share": lambda: percent(1.0 - sum(r.household_share * r.retail_cost_share
                                             for r in scarcity_module.RESOURCES)),
    "consumed_commodities": lambda: (f"{count_word(len(consumed()))} "
                                     f"commodit{'y' if len(consumed()) == 1 else 'ies'} ({names_list(consumed())})"),
    "input_commodities": lambda: (f"{'all ' if len(inputs()) == len(scarcity_module.RESOURCES) else ''}"
                                  f"{count_word(len(inputs()))} commodities ({names_list(inputs())})"),
    "largest_output_elasticity": largest_output_elasticity,
}


TABLES = {
    "parameters": parameters_table,
    "columns": columns_table,
    "events": events_table,
    "shocks": shocks_table,
    "resources": resources_table,
    "constants": constants_table,
}


def render_inline(text: str, path: Path) -> str:
    """Return ``text`` with every inline generated value rewritten."""
    def replace(match: re.Match) -> str:
        name = match.group(2)
        if name not in INLINE:
            raise SystemExit(f"{path}: unknown inline value {name!r}; known: {sorted(INLINE)}")
        return match.group(1) + INLINE[name]() + match.group(4)

    return INLINE_MARKER.sub(replace, text)


def render(text: str) -> str:
    """Return ``text`` (docs/model.md) with every generated block and inline value rewritten."""
    missing = set(TABLES) - {m.group(2) for m in MARKER.finditer(text)}
    if missing:
        raise SystemExit(f"{DOC}: no marker for the generated table(s) {sorted(missing)}")
    text = render_inline(text, DOC)

    def replace(match: re.Match) -> str:
        name = match.group(2)
        if name not in TABLES:
            raise SystemExit(f"{DOC}: unknown generated table {name!r}; known: {sorted(TABLES)}")
        return match.group(1) + "\n" + TABLES[name]() + "\n" + match.group(4)

    return MARKER.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check, compare) the generated tables; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a generated table is stale")
    args = parser.parse_args(argv)
    status = 0
    for path, rewrite in ((DOC, render), (README, lambda t: render_inline(t, README))):
        text = path.read_text()
        new = rewrite(text)
        if args.check:
            if new != text:
                print(f"{path.relative_to(ROOT)} is stale: run scripts/gen_docs_tables.py", file=sys.stderr)
                status = 1
        elif new != text:
            path.write_text(new)
            print(f"updated {path.relative_to(ROOT)}")
        else:
            print(f"{path.relative_to(ROOT)} is up to date")
    return status


if __name__ == "__main__":
    sys.exit(main())
