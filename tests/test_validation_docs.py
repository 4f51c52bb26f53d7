"""docs/validation.md keeps its generated stylized-facts table current in structure and data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validation.md"


def test_generated_table_matches_the_facts_and_the_package_data():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_validation.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr + result.stdout


def test_doc_names_its_data_sets_methods_and_commands():
    text = DOC.read_text().lower()
    for needle in ("arch.data.nasdaq", "statsmodels.datasets.macrodata", "arch.data.sp500", "black-it",
                   "salib", "arena validate", "arena calibrate", "arena sensitivity", "morris", "sobol"):
        assert needle in text, needle
