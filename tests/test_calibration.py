"""Calibration and sensitivity: the search and the indices on known answers, and tiny real runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from arena import calibration, sensitivity
from arena.batch import run_batch
from arena.cli import main
from arena.errors import ConfigError
from arena.validation.moments import check_space

SPACE = {"noise_sigma": (0.002, 0.03), "herding_strength": (0.0, 0.6)}


def test_run_batch_runs_explicit_points(tmp_path):
    points = [{"n_agents": 200, "noise_sigma": 0.01}, {"n_agents": 250, "noise_sigma": 0.02}]
    frame = run_batch(
        "baseline", grid=points, seeds=[1, 2], ticks=5, backend="serial", out_dir=tmp_path, progress=False
    )
    combos = frame.groupby(["n_agents", "noise_sigma", "seed"]).size()
    assert list(combos.index) == [(200, 0.01, 1), (200, 0.01, 2), (250, 0.02, 1), (250, 0.02, 2)]
    with pytest.raises(ConfigError, match="same parameters"):
        run_batch(
            "baseline",
            grid=[{"n_agents": 200}, {"noise_sigma": 0.01}],
            seeds=[1],
            ticks=5,
            backend="serial",
            out_dir=tmp_path,
            progress=False,
        )


def test_search_space_is_validated():
    with pytest.raises(ConfigError, match="Unknown search-space parameter 'nonsense'"):
        check_space({"nonsense": (0, 1)})
    with pytest.raises(ConfigError, match="noise_sigma"):
        check_space({"noise_sigma": (0.2, 0.1)})
    with pytest.raises(ConfigError, match="must be numeric"):
        check_space({"monetary_regime": (0, 1)})
    with pytest.warns(UserWarning, match="skipped"):
        assert check_space({"nonsense": (0, 1), "noise_sigma": (0.0, 0.1)}, default=True) == {
            "noise_sigma": (0, 0.1)
        }


def test_loss_is_the_inverse_variance_weighted_distance():
    target = pd.DataFrame(
        {"data": [1.0, 0.0], "data_std": [0.5, 0.1], "factor": [1.0, 2.0]}, index=["a", "b"]
    )
    target["weight"] = target["factor"] / target["data_std"] ** 2
    means = pd.DataFrame({"a": [1.5, np.nan], "b": [0.1, 0.0]})
    assert calibration.loss(means, target) == pytest.approx(
        [0.25 / 0.25 + 2 * 0.01 / 0.01, calibration.PENALTY]
    )


def _quadratic_round(optimum, log):
    def run_round(values, sampler):
        values = np.atleast_2d(values)
        losses = ((values - optimum) ** 2).sum(axis=1)
        log.append((sampler, values, losses))
        return values, losses

    return run_round


@pytest.mark.parametrize("method", ["black-it", "msm"])
def test_search_approaches_a_known_optimum(method):
    space = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    optimum = np.array([0.7, 0.2])
    log = []
    run_round = _quadratic_round(optimum, log)
    start = np.array([0.1, 0.9])
    if method == "black-it":
        calibration._black_it_rounds(space, list(space), 6, 8, 0, run_round, start)
        assert [s for s, _, _ in log][:4] == ["default", "halton", "best_batch", "random_forest"]
    else:
        calibration._msm_rounds(space, list(space), 80, run_round, start)
    best = min(min(losses) for _, _, losses in log)
    assert best < 0.01 * ((start - optimum) ** 2).sum()  # within 10% of the distance, in each direction


def test_sensitivity_ranks_a_known_function(monkeypatch, tmp_path):
    """With outputs y = 4 a + b^2 (c inert), Morris ranks a, b over c and Sobol' gives c ST ~ 0."""

    def fake_evaluate(scenario, points, seeds, ticks, burn_in, backend, workers, out_dir, progress):
        rows = []
        for i, p in enumerate(points):
            y = 4 * p["noise_sigma"] / 0.03 + (p["herding_strength"] / 0.6) ** 2
            rows.append(
                {
                    "point": i,
                    "seed": 1,
                    **p,
                    "volatility": y,
                    "unemployment": y,
                    "inflation": -y,
                    "crash_depth": y,
                }
            )
        return pd.DataFrame(rows)

    monkeypatch.setattr(sensitivity, "evaluate", fake_evaluate)
    space = {**SPACE, "matching_efficiency": (0.05, 0.3)}
    result = sensitivity.analyse(
        "baseline",
        space=space,
        trajectories=10,
        sobol_samples=256,
        top=3,
        out_dir=tmp_path,
        progress=False,
        n_agents=100,
    )
    morris = result.morris[result.morris["output"] == "volatility"].set_index("parameter")
    assert morris.loc["matching_efficiency", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert morris.loc["noise_sigma", "mu_star"] > morris.loc["herding_strength", "mu_star"] > 0
    sobol = result.sobol[result.sobol["output"] == "volatility"].set_index("parameter")
    # analytic: Var(4a) = 16/12 = 1.333, Var(b^2) = 1/5 - 1/9 = 0.0889 on uniform [0, 1]
    assert sobol.loc["noise_sigma", "ST"] == pytest.approx(1.333 / 1.422, abs=0.1)
    assert abs(sobol.loc["matching_efficiency", "ST"]) < 0.02


@pytest.mark.slow
def test_calibrate_tiny_real_runs(tmp_path):
    result = calibration.calibrate(
        "baseline",
        space=SPACE,
        seeds=[1],
        ticks=400,
        n_agents=300,
        burn_in=50,
        batches=2,
        batch_size=3,
        backend="serial",
        out_dir=tmp_path,
        progress=False,
    )
    points = result.points
    assert len(points) == 1 + 2 * 3 and list(points["sampler"][:2]) == ["default", "halton"]
    assert np.isfinite(points["loss"]).all() and (points["loss"] >= 0).all()
    assert points["excess_kurtosis"].nunique() > 1  # the parameters change the moments
    assert result.best_loss <= result.default_loss
    moments = result.moments()
    recomputed = (moments["weight"] * (moments["best"] - moments["data"]) ** 2).sum()
    assert recomputed == pytest.approx(result.best_loss)
    record = json.loads((tmp_path / "calibration.json").read_text())
    assert record["best"] == pytest.approx(result.best)


@pytest.mark.slow
def test_cli_calibrate_and_sensitivity_tiny(tmp_path, capsys):
    args = [
        "--seeds",
        "1",
        "--agents",
        "300",
        "--ticks",
        "400",
        "--workers",
        "1",
        "-q",
        "--space",
        "noise_sigma=0.002,0.03",
        "--space",
        "herding_strength=0,0.6",
    ]
    assert (
        main(
            [
                "calibrate",
                "baseline",
                *args,
                "--burn-in",
                "50",
                "--batches",
                "1",
                "--batch-size",
                "2",
                "--method",
                "msm",
                "--out",
                str(tmp_path / "cal"),
            ]
        )
        == 0
    )
    assert "best loss" in capsys.readouterr().out
    assert (
        main(
            [
                "sensitivity",
                "baseline",
                *args,
                "--trajectories",
                "2",
                "--sobol",
                "0",
                "--top",
                "1",
                "--out",
                str(tmp_path / "sens"),
            ]
        )
        == 0
    )
    assert "Morris screening" in capsys.readouterr().out
    morris = pd.read_csv(tmp_path / "sens" / "morris.csv")
    assert set(morris["output"]) == {"volatility", "unemployment", "inflation", "crash_depth"}
    assert (morris.groupby("output")["mu_star"].max() > 0).all()  # parameters move every output
    assert (tmp_path / "sens" / "sensitivity.png").exists()
    assert main(["calibrate", "baseline", "--space", "noise_sigma=oops"]) == 2
