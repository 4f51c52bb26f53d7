"""Re-estimate Franke & Westerhoff (2012)'s DCA-HPM by simulated moments against the NASDAQ facts.

FW (2012) estimated their model by the method of simulated moments on S&P 500 daily returns; the
validation here compares with the NASDAQ Composite 1999-2018 (``arch.data.nasdaq``), a sample with
fatter tails and stronger volatility clustering. This script re-runs FW's estimation idea on FW's own
equations (those of ``scripts/fw_alone.py``, vectorised over seeds with common random numbers) against
the moments of :func:`arena.validation.reference.finance_reference` (loaded from the data at run time):

    a_t = alpha_0 + alpha_n (n_f - n_c) + alpha_p (p_t - p*)^2,   n_f = 1 / (1 + exp(-beta a_t))
    p_{t+1} = p_t + mu (n_f (phi (p* - p_t) + sigma_f eps_f) + n_c (chi (p_t - p_{t-1}) + sigma_c eps_c))

Loss: sum over the moments of ((model median over seeds - data) / data_std)^2, data_std the spread of
the statistic over NASDAQ sub-periods as long as one run (Franke & Westerhoff 2012 weight by the
moments' bootstrap variances; this is the diagonal analogue). Nelder-Mead from a start point.

    .venv/bin/python scripts/fw_smm.py                         # all seven free, from FW's estimates
    .venv/bin/python scripts/fw_smm.py --free sigma_f,sigma_c,alpha_p --start sigma_c=3
    .venv/bin/python scripts/fw_smm.py --eval --start sigma_f=0.438 --start sigma_c=4.335
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.validation import stats  # noqa: E402
from arena.validation.finance import ABS_LAGS  # noqa: E402
from arena.validation.reference import finance_reference  # noqa: E402

#: FW (2012) DCA-HPM estimates (S&P 500; docs/model.md "Parameters and sources"); beta = 1, mu = 0.01
FW = {"sigma_f": 0.758, "sigma_c": 2.087, "alpha_0": -0.327, "alpha_n": 1.79, "alpha_p": 18.43, "chi": 1.5,
      "phi": 0.12}
MOMENTS = ("excess_kurtosis", "hill_tail_index", "acf_r_lag1", "acf_abs_lag1", "acf_abs_lag10",
           "acf_abs_lag50", "acf_abs_decay", "annual_volatility")


def simulate(q: dict, eps: np.ndarray, burn_in: int, mu: float = 0.01, beta: float = 1.0,
             rate: float = 1.0) -> np.ndarray:
    """Daily log returns (days, seeds) of FW's DCA-HPM for the news ``eps`` (steps, 2, seeds).

    ``rate``: share of traders reconsidering a day (1 = FW; Arena's ``switching_rate``).
    """
    seeds = eps.shape[2]
    p, p_last, n_f = np.zeros(seeds), np.zeros(seeds), np.full(seeds, 0.5)
    path = np.empty((eps.shape[0], seeds))
    for t in range(eps.shape[0]):
        a = q["alpha_0"] + q["alpha_n"] * (2.0 * n_f - 1.0) + q["alpha_p"] * p**2
        n_f = n_f + rate * (1.0 / (1.0 + np.exp(-np.clip(beta * a, -50.0, 50.0))) - n_f)
        e_f = mu * (-q["phi"] * p + q["sigma_f"] * eps[t, 0])
        e_c = mu * (q["chi"] * (p - p_last) + q["sigma_c"] * eps[t, 1])
        p_last, p = p, p + n_f * e_f + (1.0 - n_f) * e_c
        path[t] = p
    return np.diff(path, axis=0)[burn_in - 1:]


def moments(returns: np.ndarray) -> np.ndarray:
    """Median over seeds (columns) of :data:`MOMENTS` (the statistics of arena.validation)."""
    rows = []
    for r in returns.T:
        acf_abs = stats.acf(np.abs(r), ABS_LAGS)
        rows.append([stats.excess_kurtosis(r), stats.hill_tail_index(r), stats.acf(r, [1])[0], acf_abs[0],
                     acf_abs[9], acf_abs[49], stats.decay_exponent(acf_abs, ABS_LAGS),
                     stats.annual_volatility(r, 250)])
    return np.nanmedian(np.array(rows), axis=0)


def main(argv=None) -> None:
    """Estimate (or evaluate) and print the parameters and moments."""
    from scipy.optimize import minimize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--free", default=",".join(FW), help="comma-separated free parameters")
    ap.add_argument("--start", action="append", default=[], metavar="NAME=VALUE", help="start value")
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--days", type=int, default=2250)
    ap.add_argument("--burn-in", type=int, default=500)
    ap.add_argument("--maxfev", type=int, default=500)
    ap.add_argument("--rate", type=float, default=1.0, help="share reconsidering a day (Arena: 0.3)")
    ap.add_argument("--eval", action="store_true", help="only evaluate the start point")
    args = ap.parse_args(argv)
    start = {**FW, **{k: float(v) for k, v in (s.split("=") for s in args.start)}}
    free = args.free.split(",")
    ref = finance_reference(args.days)
    target, scale = ref.loc[list(MOMENTS), "data"].to_numpy(), ref.loc[list(MOMENTS), "data_std"].to_numpy()
    eps = np.random.default_rng(12345).standard_normal((args.days + args.burn_in, 2, args.seeds))

    def loss(x):
        q = {**start, **dict(zip(free, x, strict=True))}
        if min(q["sigma_f"], q["sigma_c"], q["alpha_n"], q["alpha_p"], q["chi"], q["phi"]) < 0:
            return 1e6
        m = moments(simulate(q, eps, args.burn_in, rate=args.rate))
        return float(np.sum(((m - target) / scale) ** 2)) if np.isfinite(m).all() else 1e6

    x0 = np.array([start[k] for k in free])
    if args.eval:
        best = start
    else:
        opts = {"maxfev": args.maxfev, "xatol": 1e-3, "fatol": 1e-3}
        res = minimize(loss, x0, method="Nelder-Mead", options=opts)
        best = {**start, **dict(zip(free, res.x, strict=True))}
    m = moments(simulate(best, eps, args.burn_in, rate=args.rate))
    report = {"parameters": {k: round(float(v), 4) for k, v in best.items()},
              "loss": round(loss([best[k] for k in free]), 3),
              "moments": {k: round(float(v), 4) for k, v in zip(MOMENTS, m, strict=True)},
              "data": {k: round(float(v), 4) for k, v in zip(MOMENTS, target, strict=True)}}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
