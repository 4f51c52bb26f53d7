"""arena.experiment: arms, effects, the bootstrap, common random numbers, the CLI and the backends."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import arena
from arena import cli
from arena.effects import Effect, ablation, builtin_arm
from arena.errors import ConfigError, ScenarioError
from arena.experiment import bootstrap_median_ci, experiment
from arena.scenarios import load_scenario

TINY = textwrap.dedent("""
    name = "tiny_rate"
    description = "a rate hike in a small economy"
    ticks = 60
    [config]
    n_agents = 1500
    herding_strength = 0.4
    discovery_probability = 0.0
    catastrophe_probability = 0.0
    [[shocks]]
    tick = 20
    kind = "rate"
    size = 0.05
    [[shocks]]
    tick = 20
    kind = "panic"
    size = 0.5
    [arms.no_herding]
    config = { herding_strength = 0.0 }
    note = "crowd-following off"
    [arms.rate_only]
    remove_shocks = ["panic"]
    [expected.rate_up]
    metric = "peak_policy_rate"
    effect = "path_difference"
    from = 21
    to = 60
    control = "no_shocks"
    sign = "+"
    min = 0.01
    max = 0.2
    source = "test"
    [expected.level]
    metric = "mean_unemployment"
    min = 0.0
    max = 1.0
    source = "test"
""")


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny_rate.toml"
    path.write_text(TINY)
    return load_scenario(path)


def frame(**columns):
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns, index=pd.Index(np.arange(1, n + 1), name="tick"))


# --------------------------------------------------------------------------- statistics -----
def test_bootstrap_interval_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(123)
    covered = 0
    for _ in range(300):
        x = rng.normal(1.0, 2.0, size=25)
        lo, hi = bootstrap_median_ci(x, 0.95, 1000, seed=int(rng.integers(1 << 30)))
        covered += lo <= 1.0 <= hi
    assert 0.88 <= covered / 300 <= 0.99, covered / 300


def test_bootstrap_interval_is_deterministic_and_shrinks_with_n():
    rng = np.random.default_rng(5)
    small, large = rng.normal(size=10), rng.normal(size=1000)
    assert bootstrap_median_ci(small, seed=3) == bootstrap_median_ci(small, seed=3)
    lo_s, hi_s = bootstrap_median_ci(small)
    lo_l, hi_l = bootstrap_median_ci(large)
    assert hi_l - lo_l < (hi_s - lo_s) / 3
    # asymptotic width of the median's 95% interval: 2 * 1.96 * sqrt(pi / 2) / sqrt(n)
    assert hi_l - lo_l == pytest.approx(2 * 1.96 * np.sqrt(np.pi / 2) / np.sqrt(1000), rel=0.35)
    assert bootstrap_median_ci([2.0]) == (2.0, 2.0)
    assert all(np.isnan(bootstrap_median_ci([np.nan])))


# --------------------------------------------------------------------------- effects --------
def test_effect_kinds_on_known_series():
    t = frame(output=[100.0, 90.0, 95.0, 100.0], price_equity=[10.0, 6.0, 8.0, 9.0])
    c = frame(output=[100.0, 100.0, 100.0, 102.0], price_equity=[10.0, 9.0, 10.0, 10.0])
    assert Effect("d", "max_drawdown_equity").measure(t, c) == pytest.approx((0.4, 0.1, 0.3))
    assert Effect("r", "mean_output", effect="ratio").measure(t, c)[2] == pytest.approx(96.25 / 100.5 - 1)
    trough = Effect("p", "trough_output", effect="path_ratio", start=2).measure(t, c)[2]
    assert trough == pytest.approx(-0.10)
    assert Effect("w", "ticks_to_trough_output", effect="path_difference", start=2).measure(t, c)[2] == 0
    assert Effect("l", "peak_output", control=None).measure(t)[2] == 100.0
    assert Effect("rec", "recovery_price_equity", control=None).measure(t)[2] == 4.0  # censored: never back


def test_holds_needs_the_range_and_the_sign_share():
    e = Effect("x", "peak_fear", sign="+", min=0.1, max=0.5)
    assert e.holds(0.2, 0.8, 0.8) and not e.holds(0.2, 0.7, 0.8) and not e.holds(0.6, 1.0, 0.8)
    assert not e.holds(float("nan"), 1.0, 0.8)
    assert Effect("y", "peak_fear", sign="none", max=0.0).holds(-0.1, float("nan"), 0.8)


def test_arms_remove_shocks_and_override_config(tiny):
    assert builtin_arm("no_shocks").apply(tiny).shocks == ()
    assert builtin_arm("scenario").apply(tiny) == tiny
    rate_only = tiny.arm("rate_only").apply(tiny)
    assert [s.kind for s in rate_only.shocks] == ["rate"] and rate_only.name == "tiny_rate--rate_only"
    assert tiny.arm("no_herding").apply(tiny).make_config().herding_strength == 0.0
    assert ablation(fear_weight=0.0).apply(tiny).shocks == tiny.shocks
    with pytest.raises(ScenarioError, match="no arm 'nope'.*no_herding"):
        tiny.arm("nope")


# --------------------------------------------------------------------------- validation -----
@pytest.mark.parametrize("extra, fragments", [
    ('[expected.e]\nmetric = "peak_fear"\ncontrol = "missing"\nsign = "+"\nmin = 0.1\nsource = "s"\n',
     ["expected.e.control", "no_shocks", "no_herding"]),
    ('[expected.e]\nmetric = "peak_fear"\ncontrol = "no_shocks"\nsign = "up"\nmin = 0.1\nsource = "s"\n',
     ["expected.e.sign", "+, -, none", "'up'"]),
    ('[expected.e]\nmetric = "peak_fear"\ncontrol = "no_shocks"\nsign = "+"\nmax = -0.1\nsource = "s"\n',
     ["expected.e", "contradicts the sign"]),
    ('[expected.e]\nmetric = "peak_fear"\ncontrol = "no_shocks"\nsign = "+"\nmin = 0.1\n',
     ["expected.e.source", "missing"]),
    ('[expected.e]\nmetric = "peak_fear"\ncontrol = "no_shocks"\nmin = 0.1\nsource = "s"\n',
     ["expected.e.sign", "missing"]),
    ('[expected.e]\nmetric = "max_drawdown_equity"\neffect = "path_ratio"\ncontrol = "no_shocks"\n'
     'sign = "+"\nmin = 0.1\nsource = "s"\n', ["expected.e.metric", "peak_, trough_"]),
    ('[expected.e]\nmetric = "peak_fear"\neffect = "sum"\ncontrol = "no_shocks"\nsign = "+"\nmin = 0.1\n'
     'source = "s"\n', ["expected.e.effect", "difference, ratio"]),
    ('[expected.e]\nmetric = "peak_nothing"\ncontrol = "no_shocks"\nsign = "+"\nmin = 0.1\nsource = "s"\n',
     ["expected.e.metric", "unknown indicator column"]),
    ('[expected.e]\nmetric = "events_panic"\ncontrol = "no_shocks"\nsign = "+"\nmin = 1\nsource = "s"\n',
     ["expected.e.metric", "event counts"]),
    ('[arms.a]\nconfig = { herding = 1 }\n', ["arms.a.config.herding", "unknown parameter"]),
    ('[arms.a]\nremove_shocks = ["meteor"]\n', ["arms.a.remove_shocks", "meteor"]),
    ('[arms.no_shocks]\nnote = "x"\n', ["arms.no_shocks", "built-in"]),
    ('[arms.a]\nconfig = { herding_strength = 2.0 }\n', ["arms.a.config.herding_strength", "[0, 1]"]),
])
def test_bad_effects_and_arms_are_refused_naming_the_key(tmp_path, extra, fragments):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nticks = 50\n[arms.no_herding]\nconfig = { herding_strength = 0.0 }\n'
                    + extra.replace("[arms.no_herding]\n", ""))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    for fragment in [str(path)] + fragments:
        assert fragment in str(info.value), str(info.value)


def test_arms_and_effects_round_trip_through_to_toml(tmp_path, tiny):
    path = tmp_path / "again.toml"
    path.write_text(tiny.to_toml())
    again = load_scenario(path)
    assert (again.arms, again.effects, again.shocks) == (tiny.arms, tiny.effects, tiny.shocks)
    for name in ("market_crash", "oil_shock"):
        s = load_scenario(name)
        path.write_text(s.to_toml())
        assert (load_scenario(path).arms, load_scenario(path).effects) == (s.arms, s.effects)


# --------------------------------------------------------------------------- running --------
def test_effects_are_measured_on_common_seeds(tiny, tmp_path):
    r = experiment(tiny, seeds=[3, 4, 5], backend="serial", out_dir=tmp_path)
    assert list(r.table["effect"]) == ["rate_up", "level"] and set(r.arms) == {"scenario", "no_shocks"}
    # each arm's run is exactly the scenario simulated with that arm, same seed
    for seed in (3, 5):
        t = tiny.simulate(overrides={"seed": seed}).indicators()
        c = builtin_arm("no_shocks").apply(tiny).simulate(overrides={"seed": seed}).indicators()
        effect = Effect("rate_up", "peak_policy_rate", effect="path_difference", start=21, end=60)
        want = effect.measure(t, c)[2]
        got = r.per_seed.query("effect == 'rate_up' and seed == @seed")["effect_value"].item()
        assert got == want
    row = r.table.set_index("effect").loc["rate_up"]
    assert row["n"] == 3 and row["ci_low"] <= row["median"] <= row["ci_high"]
    assert row["median"] == pytest.approx(np.median(r.per_seed.query("effect == 'rate_up'")["effect_value"]))
    assert bool(row["holds"]) == (0.01 <= row["median"] <= 0.2 and row["share_sign"] >= 0.8)
    # the effect of an intervention that changes nothing is exactly zero on every seed
    same = experiment(tiny, control={"herding_strength": 0.4}, seeds=[3, 4], backend="serial",
                      out_dir=tmp_path / "same", metrics=["max_drawdown_equity", "mean_unemployment"])
    assert (same.per_seed["effect_value"] == 0.0).all()


def test_ablation_given_as_overrides_uses_the_declared_arm_and_its_range(tiny, tmp_path):
    r = experiment(tiny, control={"herding_strength": 0.0}, seeds=[1, 2], backend="serial", out_dir=tmp_path,
                   metrics=[{"metric": "max_drawdown_equity", "from": 20, "sign": "+", "min": 0.0}])
    assert set(r.arms) == {"scenario", "no_herding"}
    assert r.table.loc[0, "effect"] == "max_drawdown_equity@20-" and r.table.loc[0, "control"] == "no_herding"
    with pytest.raises(ConfigError, match="Unknown config parameters"):
        experiment(tiny, control={"herding": 0.0}, seeds=[1], backend="serial", out_dir=tmp_path)
    with pytest.raises(ConfigError, match="distinct seeds"):
        experiment(tiny, seeds=[1, 1], backend="serial", out_dir=tmp_path)


def test_serial_and_process_backends_give_the_same_table(tiny, tmp_path):
    a = experiment(tiny, seeds=[1, 2], backend="serial", out_dir=tmp_path / "a")
    b = experiment(tiny, seeds=[1, 2], backend="processes", workers=2, out_dir=tmp_path / "b")
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.per_seed, b.per_seed)


@pytest.mark.xdist_group("dask")
def test_dask_backend(tiny, tmp_path):
    from distributed import Client, LocalCluster

    serial = experiment(tiny, seeds=[1, 2], backend="serial", out_dir=tmp_path / "s")
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = experiment(tiny, seeds=[1, 2], backend=client, out_dir=tmp_path / "d")
    pd.testing.assert_frame_equal(serial.per_seed, dask.per_seed)


def test_plot_and_save(tiny, tmp_path):
    from arena.experiment_plot import plot_arms

    r = experiment(tiny, seeds=[1, 2], backend="serial", out_dir=tmp_path / "runs")
    fig = plot_arms(r, path=tmp_path / "arms.png")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == \
        ["scenario", "no_shocks"]
    assert (tmp_path / "arms.png").stat().st_size > 1000
    r.save(tmp_path / "out")
    assert pd.read_parquet(tmp_path / "out" / "effects.parquet")["effect"].tolist() == ["rate_up", "level"]
    assert "`rate_up`" in (tmp_path / "out" / "effects.md").read_text()


def test_cli_experiment(tiny, tmp_path, capsys):
    out = tmp_path / "exp"
    assert cli.main(["experiment", tiny.path, "--ablate", "herding_strength=0", "--seeds", "1-2",
                     "--backend", "serial", "--out", str(out), "-q"]) == 0
    text = capsys.readouterr().out
    assert "scenario, no_herding" in text and "| effect |" in text
    written = {p.name for p in out.iterdir()}
    assert {"effects.parquet", "per_seed.parquet", "effects.md", "arms.png"} <= written
    assert cli.main(["experiment", tiny.path, "--ablate", "herding_strength=0,1", "--seeds", "1"]) == 2
    assert cli.main(["experiment", tiny.path, "--control", "nope", "--seeds", "1"]) == 2
    assert "no arm 'nope'" in capsys.readouterr().err
    assert hasattr(arena, "experiment") and callable(arena.experiment)
