"""Heterogeneous expectations and strategy switching in the equity market.

The structural stochastic volatility model of Franke & Westerhoff (2012), in its
discrete-choice version with herding and price misalignment (DCA-HPM), realised with
households: the market fractions are the shares of households that are fundamentalists
and chartists, and each group's demand is the households' expected log return.

Per tick, a fundamentalist and a chartist expect the next log return

    e_f = mu * (phi * (p* - p_t) + sigma_f * eps_f,t)
    e_c = mu * (chi * (p_t - p_{t-1}) + sigma_c * eps_c,t) + w_s * (s_i - 0.5) * SENTIMENT_SCALE

with ``p`` the log price, ``p*`` the log fundamental value and ``eps_f,t``, ``eps_c,t`` one
standard normal draw per group and tick (the group's common reading of the day's news:
FW's within-group heterogeneity aggregated). Chartists' noise is larger than
fundamentalists' (sigma_c > sigma_f), so the market's volatility rises with the chartist
share: volatility is a structural, slowly moving state rather than injected noise.
Chartists also lean with their own sentiment ``s_i`` (Lux & Marchesi 1999: trend traders'
optimism and pessimism), which is how fear and greed reach their orders.

Switching (FW 2012, eq. for the predisposition ``a_t``)::

    a_t  = alpha_0 + alpha_n (n_f - n_c) + alpha_p (p_t - p*)^2 - alpha_e (fear + greed - 0.4)
           + alpha_r m_t
    n_f  <- 1 / (1 + exp(-beta a_t))

``alpha_n`` is herding: the more traders already follow one strategy, the more attractive
it is. ``alpha_p`` is misalignment: far from the fundamental value, fundamentalism gains.
``alpha_e`` is this model's psychological term: aroused moods (fear or greed above their
calm levels 0.2 each) draw traders away from fundamentals toward the crowd's trend
trading (Shiller 2000; Lux & Marchesi 1999's chartist contagion). ``alpha_r`` (``loss_switching``,
0 by default) makes the switching answer the sign of returns: ``m_t`` is the market's recent trend in
units of a typical day's move, so after a fall fundamentalism loses followers and the market turns
more volatile (limits of arbitrage, Shleifer & Vishny 1997; the leverage effect, Black 1976).

Parameters: the defaults (arena.config) are FW's equations re-estimated by simulated moments against
the NASDAQ 1999-2018 facts of :mod:`arena.validation` (``scripts/fw_smm.py``), not FW's S&P 500
estimates: with Gaussian news the tails and the clustering come only from the mixture of the calm
and the turbulent regime, whose volatility contrast FW's sigma_c / sigma_f = 2.75 caps near an
excess kurtosis of 2-3 (docs/model.md "Parameters and sources"; docs/validation.md "Regime contrast").

References
----------
Franke, R., Westerhoff, F. (2012). Structural stochastic volatility in asset pricing dynamics:
Estimation and model contest. JEDC 36(8), 1193-1211.
Lux, T., Marchesi, M. (1999). Scaling and criticality in a stochastic multi-agent model of a
financial market. Nature 397, 498-500.
Brock, W., Hommes, C. (1998). Heterogeneous beliefs and routes to chaos in a simple asset pricing
model. JEDC 22, 1235-1274.
"""

from __future__ import annotations

import numpy as np

from arena.scalars import clip_float

#: Log-return per tick of a chartist whose sentiment is fully optimistic (s = 1) at
#: ``sentiment_weight`` 1, per unit of (s - 0.5).
SENTIMENT_SCALE = 0.06
#: Degrees of freedom of the Student-t GARCH(1,1) (Bollerslev 1987) fitted with the *arch* package to
#: the S&P 500's daily log returns 1999-2018 (``arch.data.sp500``): the fat tail of a day's news once
#: its volatility is taken out (tests/test_expectations_news.py re-estimates it). A value for
#: ``news_tail`` = 1 / this; the default is Gaussian news (docs/validation.md, "Why the equity market
#: misses the tails, the long memory and the leverage effect").
SP500_NEWS_DOF = 6.5
#: Calm level of fear + greed (0.2 each): the psychological term of the predisposition is 0 there.
CALM_AROUSAL = 0.4


def predisposition(
    fundamentalist_share: float,
    misalignment: float,
    fear: float,
    greed: float,
    alpha0: float,
    herding: float,
    alpha_p: float,
    alpha_e: float,
    momentum: float = 0.0,
    alpha_r: float = 0.0,
) -> float:
    """Return the predisposition a_t toward fundamentalism (FW 2012, DCA-HPM).

    Parameters
    ----------
    fundamentalist_share : float
        n_f, share of fundamentalists among fundamentalists and chartists, in [0, 1].
    misalignment : float
        p - p*: log price minus log fundamental value.
    fear, greed : float
        Crowd's fear and greed indices, in [0, 1].
    alpha0 : float
        Predisposition (negative favours chartists).
    herding : float
        alpha_n >= 0, weight of the majority's strategy.
    alpha_p : float
        Weight of the squared misalignment, >= 0.
    alpha_e : float
        Weight of arousal (fear + greed above their calm 0.4), >= 0.
    momentum : float
        The equity market's recent trend in units of a typical day's move
        (:func:`arena.psychology.trend_momentum`, in [-5, 5]: what moods follow).
    alpha_r : float
        ``loss_switching`` >= 0: pull toward fundamentalism per unit of momentum. After a fall
        value investors, long in a market below its value, have lost and withdraw; after a rise they
        gain followers (limits of arbitrage: Shleifer & Vishny 1997). 0 (the default) leaves FW's
        symmetric switching, which makes no leverage effect.

    Returns
    -------
    float
        a_t; ``n_f = 1 / (1 + exp(-beta a_t))``.
    """
    n_f = fundamentalist_share
    arousal = fear + greed - CALM_AROUSAL
    a = float(alpha0 + herding * (2.0 * n_f - 1.0) + alpha_p * misalignment**2 - alpha_e * arousal)
    if alpha_r:  # skipped at 0, so the default's a_t is bit-identical to FW's
        a += alpha_r * momentum
    return a


def fundamentalist_target(a: float, beta: float) -> float:
    """Discrete-choice share of fundamentalists ``1 / (1 + exp(-beta a))`` in (0, 1)."""
    x = clip_float(beta * a, -50.0, 50.0)
    return 1.0 / (1.0 + np.exp(-x))


def news_draws(rng: np.random.Generator, tail: float) -> tuple[float, float]:
    """Return the fundamentalists' and chartists' news of one tick: two unit-variance draws.

    Parameters
    ----------
    rng : numpy.random.Generator
        The market's random stream.
    tail : float
        ``1 / nu``, in [0, 0.5): the news is a Student-t with ``nu`` degrees of freedom (> 2), scaled
        by ``sqrt((nu - 2) / nu)`` to unit variance (excess kurtosis ``6 / (nu - 4)`` for
        ``nu > 4``); 0 draws standard normals (FW 2012's Gaussian noise, the same stream as before
        the option existed). The inverse keeps the parameter's range an interval (0 = nu infinite).

    Notes
    -----
    Daily index returns stay fat-tailed after their volatility clustering is taken out: a Student-t
    GARCH(1,1) (Bollerslev 1987) fitted to the S&P 500's daily log returns 1999-2018 (an index
    other than the NASDAQ the validation compares with) has ``nu`` = :data:`SP500_NEWS_DOF`. With
    it the news of a day is fat-tailed while its volatility stays the structural state (the
    groups' shares). The default stays Gaussian: measured, it fattens the tails into the data's
    range but halves the autocorrelation of |r| (docs/validation.md, "Fat-tailed news").
    """
    # a subnormal tail (below ~5.6e-309) overflows 1 / tail to inf, where numpy's t draws NaN:
    # nu is then infinite, and the Student-t is the normal it converges to
    with np.errstate(over="ignore", divide="ignore"):
        nu = 1.0 / tail if tail > 0.0 else np.inf
    if not np.isfinite(nu):
        eps_f, eps_c = rng.standard_normal(2)
    else:
        eps_f, eps_c = rng.standard_t(nu, 2) * np.sqrt((nu - 2.0) / nu)
    return float(eps_f), float(eps_c)


def group_forecasts(
    misalignment: float,
    last_return: float,
    eps_f: float,
    eps_c: float,
    mu: float,
    phi: float,
    chi: float,
    sigma_f: float,
    sigma_c: float,
    noise_scale: float = 1.0,
) -> tuple[float, float]:
    """Return the fundamentalists' and chartists' expected next log return (FW 2012).

    Parameters
    ----------
    misalignment : float
        p - p* (log price minus log fundamental).
    last_return : float
        p_t - p_{t-1}, the last log return.
    eps_f, eps_c : float
        The groups' standard normal news draws of this tick.
    mu : float
        Price impact of the groups' demand (log price per unit of demand).
    phi, chi : float
        Fundamentalists' reversion and chartists' extrapolation coefficients.
    sigma_f, sigma_c : float
        Standard deviations of the groups' demand noise.
    noise_scale : float
        Multiplier of both noises (the psychology's volatility multiplier relative to calm).

    Returns
    -------
    e_f, e_c : float
        Expected log returns per tick.
    """
    e_f = mu * (-phi * misalignment + noise_scale * sigma_f * eps_f)
    e_c = mu * (chi * last_return + noise_scale * sigma_c * eps_c)
    return float(e_f), float(e_c)
