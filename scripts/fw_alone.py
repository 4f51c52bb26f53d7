"""Franke & Westerhoff (2012)'s DCA-HPM market on its own, with the finance facts of arena.validation.

The equations are the market's own (:mod:`arena.markets.expectations`: the predisposition, the
discrete-choice share and the groups' forecasts) with a constant fundamental value, calm moods,
every trader reconsidering each day and no households, book or economy::

    a_t = alpha_0 + alpha_n (n_f - n_c) + alpha_p (p_t - p*)^2,   n_f = 1 / (1 + exp(-beta a_{t-1}))
    p_{t+1} = p_t + n_f e_f + n_c e_c    (e_f, e_c: the groups' expected returns, mu included)

It answers whether a fact the Arena market misses is missed by FW's model itself
(docs/validation.md, "Why the equity market misses the tails, the long memory and the leverage effect").

    .venv/bin/python scripts/fw_alone.py                      # FW's estimates, 8 seeds, 2,250 days
    .venv/bin/python scripts/fw_alone.py --days 6866 --set phi=0.5 --set rate=0.3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.markets.expectations import (  # noqa: E402
    fundamentalist_target,
    group_forecasts,
    news_draws,
    predisposition,
)
from arena.validation.finance import finance_statistics  # noqa: E402

#: FW (2012) DCA-HPM (docs/model.md "Parameters and sources"); rate = share reconsidering a day,
#: tail = news_tail (1 / nu, 0 = Gaussian)
FW = {"phi": 0.12, "chi": 1.5, "sigma_f": 0.758, "sigma_c": 2.087, "alpha_0": -0.327, "alpha_n": 1.79,
      "alpha_p": 18.43, "beta": 1.0, "mu": 0.01, "rate": 1.0, "tail": 0.0}
FACTS = ("excess_kurtosis", "hill_tail_index", "acf_r_lag1", "acf_abs_lag1", "acf_abs_lag10", "acf_abs_lag50",
         "acf_abs_decay", "garch_persistence", "leverage", "annual_volatility")


def simulate(seed: int, days: int, burn_in: int = 500, **params) -> np.ndarray:
    """Daily log returns of FW's DCA-HPM market (``days`` after ``burn_in``), parameters as :data:`FW`."""
    q = {**FW, **params}
    rng = np.random.default_rng(seed)
    p = p_last = 0.0  # log price and its last value; p* = 0
    n_f = 0.5
    path = np.empty(days + burn_in)
    for t in range(path.size):
        a = predisposition(n_f, p, 0.2, 0.2, q["alpha_0"], q["alpha_n"], q["alpha_p"], 0.0)
        n_f += q["rate"] * (fundamentalist_target(a, q["beta"]) - n_f)
        eps_f, eps_c = news_draws(rng, q["tail"])
        e_f, e_c = group_forecasts(p, p - p_last, eps_f, eps_c, q["mu"], q["phi"], q["chi"], q["sigma_f"],
                                   q["sigma_c"])
        p_last, p = p, p + n_f * e_f + (1.0 - n_f) * e_c
        path[t] = p
    return np.diff(path)[burn_in - 1:]


def main(argv=None) -> None:
    """Print the median [min, max] over seeds of every finance fact."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N (default 8)")
    parser.add_argument("--days", type=int, default=2250, help="days after a 500-day burn-in (default 2250)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help=f"override one of {', '.join(FW)}")
    args = parser.parse_args(argv)
    params = {}
    for item in args.set:
        name, _, value = item.partition("=")
        if name not in FW:
            raise SystemExit(f"--set: unknown parameter {name!r}; allowed: {', '.join(FW)}")
        params[name] = float(value)
    rows = [finance_statistics(simulate(s, args.days, **params), 250) for s in range(1, args.seeds + 1)]
    for fact in FACTS:
        values = [r[fact] for r in rows]
        print(f"{fact:20s} {np.median(values):8.3f}  [{min(values):.3f}, {max(values):.3f}]")


if __name__ == "__main__":
    main()
