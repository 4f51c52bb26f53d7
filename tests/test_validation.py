"""The stylized-facts table, its real-data references and ``arena validate``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from arena.cli import main
from arena.validation import (
    FACTS,
    TABLE_COLUMNS,
    finance_facts,
    macro_facts,
    reference,
    report,
    stylized_facts,
)
from arena.validation.finance import finance_statistics
from tests.test_validation_stats import garch_series


@pytest.fixture(scope="module")
def garch_frame():
    r = garch_series(3000, 0.02, 0.08, 0.89, seed=12) / 100
    return pd.DataFrame({"tick": np.arange(1, 3002), "price_equity": 100 * np.exp(np.cumsum(np.r_[0, r]))})


def test_references_are_computed_from_the_package_data():
    r, per_year = reference.daily_index("nasdaq")
    assert r.size > 5000 and 240 < per_year < 260  # trading days per year from the dates
    table = reference.finance_reference(1000)
    assert table.loc["excess_kurtosis", "data"] == pytest.approx(
        finance_statistics(r, per_year)["excess_kurtosis"]
    )
    assert (table["low"] <= table["high"]).all()
    assert (table["window"] == 1000).all() and (table["n_windows"] > 10).all()
    # real daily index returns show the facts (Cont 2001): fat tails, clustering, persistence
    assert table.loc["excess_kurtosis", "data"] > 2
    assert table.loc["acf_abs_lag50", "data"] > 0.05
    assert table.loc["garch_persistence", "data"] > 0.95
    assert table.loc["leverage", "data"] < 0
    macro = reference.macro_reference(40)
    assert 0.5 < macro.loc["rel_std_consumption", "data"] < 1 < macro.loc["rel_std_investment", "data"]
    assert macro.loc["okun_slope", "data"] < 0


def test_window_length_is_clipped():
    assert reference.window_length("finance", 10, 5000) == reference.MIN_WINDOW["finance"]
    assert reference.window_length("finance", 10**6, 5000) == 2500
    assert [w.start for w in reference.windows(10, 4)] == [0, 1, 2, 3, 4, 5, 6]


def test_garch_process_table(garch_frame):
    table = stylized_facts(garch_frame)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table["fact"]) == [f.key for f in FACTS]  # every fact reported, none dropped
    row = table.set_index("fact").loc["garch_persistence"]
    assert row["model"] == pytest.approx(0.97, abs=0.03)
    assert row["data_source"].startswith("arch.data.nasdaq")
    macro = table[table["group"] == "macro"]
    assert macro["status"].str.startswith("not available (").all()  # a price-only frame
    assert macro["passed"].isna().all()


def test_seeds_give_median_and_range(garch_frame):
    other = garch_frame.assign(
        price_equity=100 * np.exp(np.cumsum(np.r_[0, garch_series(3000, 0.02, 0.08, 0.89, seed=13) / 100]))
    )
    batch = pd.concat([garch_frame.assign(seed=1, run_id="a"), other.assign(seed=2, run_id="b")])
    table = finance_facts(batch).set_index("fact")
    assert (table["n_seeds"] == 2).all()
    finite = table.dropna(subset=["model"])
    assert (finite["model_min"] <= finite["model"]).all() and (finite["model"] <= finite["model_max"]).all()
    assert set(finite["seeds_in_range"].unique()) <= {0.0, 0.5, 1.0}


def test_macro_facts_measure_present_columns_and_name_missing_ones():
    rng = np.random.default_rng(3)
    ticks = np.arange(1, 5001)
    cycle = np.repeat(rng.standard_normal(81), 63)[:5000] * 0.01
    frame = pd.DataFrame(
        {
            "tick": ticks,
            "real_gdp": 100 * np.exp(0.02 * ticks / 250 + cycle),
            "unemployment": 0.06 - 0.5 * cycle,
            "cpi": 100 * np.exp(0.02 * ticks / 250),
            "wage": np.exp(np.cumsum(0.03 + 4 * cycle) / 250),
            "vacancies": 50 * np.exp(20 * cycle),
        }
    )
    firms = pd.DataFrame({"employees": rng.lognormal(2, 1, 500)})
    table = macro_facts(frame, firms=firms).set_index("fact")
    assert table.loc["rel_std_consumption", "status"] == "not available (column real_consumption missing)"
    assert table.loc["default_rate", "status"] == "not available (column firm_defaults, n_firms missing)"
    assert table.loc["okun_slope", "model"] < 0
    assert table.loc["beveridge_slope", "status"] == "pass"  # vacancies fall as unemployment rises
    assert table.loc["wage_phillips_slope", "status"] == "pass"
    assert table.loc["firm_size_skewness", "status"] == "pass"
    assert table.loc["firm_size_skewness", "note"] == "size = employees"


def test_markdown_table_keeps_every_fact_and_failures_visible(garch_frame):
    table = stylized_facts(garch_frame)
    text = report.markdown_table(table)
    assert text.count("\n") == len(table) + 2
    assert "nasdaq" in text.lower() or "NASDAQ" in text
    assert "not available" in text
    assert "pass" in report.summary(table)


def test_bad_groups_are_refused(garch_frame):
    with pytest.raises(ValueError, match="groups"):
        stylized_facts(garch_frame, groups=("finance", "weather"))


def test_cli_validate_tiny(tmp_path, capsys):
    out = tmp_path / "val"
    status = main(
        [
            "validate",
            "baseline",
            "--seeds",
            "1-2",
            "--agents",
            "300",
            "--ticks",
            "400",
            "--burn-in",
            "50",
            "--workers",
            "1",
            "--firm-seeds",
            "0",
            "--out",
            str(out),
            "-q",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "excess_kurtosis" in printed and "garch_persistence" in printed
    for name in (
        "facts.parquet",
        "facts.md",
        "returns.png",
        "abs_acf.png",
        "macro_curves.png",
        "metadata.json",
    ):
        assert (out / name).exists(), name
    table = pd.read_parquet(out / "facts.parquet")
    assert len(table) == len(FACTS)
    kurtosis = table.set_index("fact").loc["excess_kurtosis"]
    assert kurtosis["n_seeds"] == 2 and np.isfinite(kurtosis["model"])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["seeds"] == [1, 2] and meta["n_agents"] == 300
