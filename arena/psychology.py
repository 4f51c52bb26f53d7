"""Market psychology: per-agent moods, herding and the volatility multiplier (phase 3).

Each household carries sentiment, fear, greed and confidence on [0, 1] and a memory of
its own wealth returns (EWMA with weight ``memory_decay``). Every tick each mood moves a
share ``mood_adjustment`` of the way toward a target, a logistic function of

* the agent's own memory (gains raise sentiment and greed, losses raise fear),
* the market: recent trend and realised volatility relative to ``volatility_threshold``,
* the crowd: last tick's mean mood, with weight ``social_influence``.

Aggregates are means over households. The volatility multiplier is the specification's::

    vm = 1 + fear * w_fear + greed * w_greed + herding * w_herd + |sentiment - 0.5| * 2 * w_ext

The herding factor is the order-count imbalance of the active traders,
``|n_buy - n_sell| / (n_buy + n_sell)``. Herding is imitation (Kirman 1993; Lux & Marchesi
1999; Bikhchandani & Sharma 2001), in two places: ``herding_strength`` raises the weight of
the crowd's mood in each household's moods (:func:`crowd_weight`), and in market stress an
active trader copies the crowd's conviction (its mean expected return net of fear, smoothed
over about five ticks) with probability ``herding_strength`` times the crowd's fear above its
usual level (:func:`herd_probability`). In a calm market hardly anyone copies; in a panic a
share up to ``herding_strength`` of the traders joins the crowd's selling, which so feeds on
itself, and the shared fear lasts longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena import kernels
from arena.blocks import BLOCK, blocks, work_array
from arena.population import Population
from arena.scalars import clip_float

#: Scale of returns (per tick) against which memories and trends are judged.
RETURN_SCALE = 0.01
#: Logit weight of volatility stress (annualised volatility / volatility_threshold - 1) in fear.
STRESS_WEIGHT = 0.3
#: Neutral moods of a calm market and their logits (the mood targets' centres).
NEUTRAL = {"sentiment": 0.5, "fear": 0.2, "greed": 0.2, "confidence": 0.6}
#: EWMA weight per tick of the crowd's usual fear (about 50 ticks): households get used to a
#: lasting level of fear, so only fear above the usual level drives them out of equity.
FEAR_HABITUATION = 0.98
NEUTRAL_LOGIT = {k: float(np.log(v / (1 - v))) for k, v in NEUTRAL.items()}


def trend_momentum(trend: float) -> float:
    """Return the equity trend in units of a typical day's move: ``clip(trend / RETURN_SCALE, -5, 5)``.

    What moods follow (:meth:`Psychology.update`) and what loss switching reads
    (:func:`arena.markets.expectations.predisposition`); ``trend`` is the EWMA of log returns per tick.
    """
    return clip_float(trend / RETURN_SCALE, -5.0, 5.0)


def volatility_multiplier(
    fear: float,
    greed: float,
    herding: float,
    sentiment: float,
    fear_weight: float,
    greed_weight: float,
    herding_weight: float = 0.5,
    extremity_weight: float = 0.4,
) -> float:
    """Return the specification's volatility multiplier (>= 1).

    Parameters
    ----------
    fear, greed, herding, sentiment : float
        Indices in [0, 1].
    fear_weight, greed_weight : float
        Weights in [0, 1] (defaults 0.3 each in the specification).
    herding_weight, extremity_weight : float
        Weights of herding (0.5) and of sentiment extremity ``|s - 0.5| * 2`` (0.4).
    """
    return float(
        1.0
        + fear * fear_weight
        + greed * greed_weight
        + herding * herding_weight
        + abs(sentiment - 0.5) * 2.0 * extremity_weight
    )


def imitation(crowd_mood: float, mood: str) -> float:
    """Logit distance of the crowd's mean mood from its neutral level (Brock & Durlauf 2001).

    ``logit(clip(crowd_mood, 1e-4, 1 - 1e-4)) - logit(NEUTRAL[mood])``: 0 at a calm crowd,
    positive when the crowd is more (say) afraid than neutral.
    """
    x = min(max(crowd_mood, 1e-4), 1.0 - 1e-4)
    return float(np.log(x / (1.0 - x))) - NEUTRAL_LOGIT[mood]


def crowd_weight(social_influence: float, herding_strength: float) -> float:
    """Weight of the crowd's mood in an agent's mood target, in [0, 1].

    ``1 - (1 - social_influence) (1 - herding_strength)``: herding is imitation, so it
    raises the pull of the crowd's mood on top of the baseline social influence (Kirman
    1993; Lux & Marchesi 1999). A mood shared by the crowd then decays more slowly: the
    crowd mean returns to its own target at ``mood_adjustment * (1 - weight)`` per tick.
    """
    return 1.0 - (1.0 - social_influence) * (1.0 - herding_strength)


def crowd_side(n_buy: int, n_sell: int) -> float:
    """Signed order-count imbalance ``(n_buy - n_sell) / (n_buy + n_sell)`` in [-1, 1] (0 with no orders)."""
    total = n_buy + n_sell
    return 0.0 if total == 0 else (n_buy - n_sell) / total


def herd_probability(herding_strength: float, fear: float, usual_fear: float) -> float:
    """Probability that an active trader copies the crowd, in [0, 1].

    ``herding_strength * clip((fear - usual_fear) / (1 - usual_fear), 0, 1)``: investors herd
    in market stress, hardly in calm markets (Christie & Huang 1995; Chang, Cheng & Khorana
    2000; Chiang & Zheng 2010 find herding in extreme and falling markets, not in normal ones).

    Parameters
    ----------
    herding_strength : float
        Propensity to imitate, in [0, 1].
    fear, usual_fear : float
        The crowd's fear and its usual level (a slow EWMA of it), in [0, 1].
    """
    stress = (fear - usual_fear) / max(1.0 - usual_fear, 1e-9)
    return float(herding_strength * clip_float(stress, 0.0, 1.0))


def herding_factor(n_buy: int, n_sell: int) -> float:
    """Order-count imbalance ``|n_buy - n_sell| / (n_buy + n_sell)`` in [0, 1] (0 with no orders)."""
    total = n_buy + n_sell
    return 0.0 if total == 0 else abs(n_buy - n_sell) / total


@dataclass
class MoodIndices:
    """Aggregate psychology of a tick (all in [0, 1] except ``vol_multiplier`` >= 1)."""

    sentiment: float
    fear: float
    greed: float
    confidence: float
    herding: float
    sentiment_variance: float
    optimists: float
    vol_multiplier: float


class Psychology:
    """Updates households' moods and measures the crowd.

    Parameters
    ----------
    config : ArenaConfig
        Uses ``memory_decay``, ``mood_adjustment``, ``social_influence``, the weights and
        ``volatility_threshold``.
    """

    def __init__(self, config):
        self.config = config
        self.indices = MoodIndices(0.5, 0.2, 0.2, 0.6, 0.0, 0.0, 0.5, 1.0)
        #: the crowd's usual fear: an EWMA of the fear index with weight FEAR_HABITUATION
        self.usual_fear = NEUTRAL["fear"]

    def update(
        self,
        pop: Population,
        wealth: np.ndarray | None,
        market_return: float,
        trend: float,
        volatility: float,
        herding: float,
        *,
        equity_price: float | None = None,
    ) -> MoodIndices:
        """Move every household's moods toward their targets and return the aggregates.

        Parameters
        ----------
        pop : Population
            Households (moods updated in place).
        wealth : numpy.ndarray or None
            Current wealth per household (currency); it becomes ``pop.last_wealth``. None:
            the wealth ``pop.cash + pop.shares * equity_price`` (:meth:`Population.wealth`)
            is computed inside the compiled pass and written into ``pop.last_wealth`` in
            place (the same values, without an array of its own).
        market_return : float
            Equity log return of this tick.
        trend : float
            EWMA of equity log returns (per tick).
        volatility : float
            Realised volatility per tick.
        herding : float
            Herding factor of this tick's order flow, in [0, 1].
        equity_price : float, optional
            Equity price (currency/share); needed when ``wealth`` is None.
        """
        cfg = self.config
        annual_vol = volatility * cfg.ticks_per_year**0.5
        stress = clip_float(annual_vol / cfg.volatility_threshold - 1.0, -1.0, 5.0)
        momentum = trend_momentum(trend)
        prev = self.indices
        social = crowd_weight(cfg.social_influence, cfg.herding_strength)
        rate = np.float32(cfg.mood_adjustment)
        # targets are logistic around the neutral moods (0.5, 0.2, 0.2, 0.6) of a calm market.
        # Fear is contagious (Brock & Durlauf 2001 social interactions; Kirman 1993): the crowd's
        # fear above neutral shifts everyone's fear target by J = herding_strength logit units
        # per logit unit, so a shared fear partly sustains itself (J < 1: one equilibrium, its
        # relaxation slowed by 1 - J)
        stressed = max(stress, 0.0)
        contagion = cfg.herding_strength * imitation(prev.fear, "fear")
        moods = (  # (mood, slope of the memory, offset of the target's logit, crowd mean)
            (pop.sentiment, 1.0, 0.5 * momentum, prev.sentiment),
            (pop.fear, -0.5, NEUTRAL_LOGIT["fear"] + STRESS_WEIGHT * stressed - 0.3 * momentum + contagion,
             prev.fear),
            (pop.greed, 0.5, NEUTRAL_LOGIT["greed"] + 0.3 * momentum - 0.5 * STRESS_WEIGHT * stressed,
             prev.greed),
            (pop.confidence, 0.5, NEUTRAL_LOGIT["confidence"] - 0.5 * STRESS_WEIGHT * stressed,
             prev.confidence),
        )
        # mood += rate * ((1 - social) * sigmoid(slope * mem + offset) + social * crowd - mood),
        # written with sigmoid(x) = (1 + tanh(x / 2)) / 2 and the constants folded (eight array
        # operations a mood); the chain runs block by block (arena.blocks: bit-identical)
        consts = [(np.float32(0.5 * slope), np.float32(0.5 * offset),
                   rate * np.float32(0.5 * (1.0 - social)),
                   rate * np.float32(0.5 * (1.0 - social) + social * crowd))
                  for _, slope, offset, crowd in moods]
        keep = np.float32(1.0) - rate
        half_slope, half_offset, gain, level = (np.array(c, dtype=np.float32)
                                                for c in zip(*consts, strict=True))
        decay, fresh = np.float32(cfg.memory_decay), 1.0 - cfg.memory_decay
        mem_scale = np.float32(1.0 / RETURN_SCALE)
        # the chain runs block by block in two compiled loops around numpy's tanh
        # (arena.kernels: bit-identical to the numpy operations they replace)
        if wealth is None and equity_price is None:
            raise TypeError("Psychology.update needs the wealth or the equity price")
        t_buf = work_array("psychology.targets", 4 * min(pop.n, BLOCK), np.float32)
        for sl in blocks(pop.n):
            t = t_buf[:4 * (sl.stop - sl.start)].reshape(4, -1)
            if wealth is None:
                kernels.holdings_mood_targets(pop.cash[sl], pop.shares[sl], float(equity_price),
                                              pop.last_wealth[sl], pop.memory[sl], decay, fresh, mem_scale,
                                              half_slope, half_offset, t)
            else:
                kernels.mood_targets(wealth[sl], pop.last_wealth[sl], pop.memory[sl], decay, fresh, mem_scale,
                                     half_slope, half_offset, t)
            np.tanh(t, out=t)
            kernels.mood_moves(pop.sentiment[sl], pop.fear[sl], pop.greed[sl], pop.confidence[sl], t,
                               keep, gain, level)
        if wealth is not None:
            pop.last_wealth = wealth

        self.indices = aggregate(pop, herding, cfg)
        self.usual_fear = FEAR_HABITUATION * self.usual_fear + (1.0 - FEAR_HABITUATION) * self.indices.fear
        return self.indices

    def shock(self, pop: Population, kind: str, size: float, who: np.ndarray | slice) -> None:
        """Apply a panic or euphoria of ``size`` in [0, 1] to the households ``who``."""
        s = np.float32(size)
        if kind == "panic":
            pop.fear[who] += s * (1 - pop.fear[who])
            pop.sentiment[who] -= s * pop.sentiment[who]
            pop.greed[who] -= s * pop.greed[who]
            pop.confidence[who] -= s * pop.confidence[who]
        elif kind == "euphoria":
            pop.greed[who] += s * (1 - pop.greed[who])
            pop.sentiment[who] += s * (1 - pop.sentiment[who])
            pop.fear[who] -= s * pop.fear[who]
            pop.confidence[who] += s * (1 - pop.confidence[who])
        else:
            raise ValueError(f"unknown psychology shock {kind!r}; use 'panic' or 'euphoria'")
        self.indices = aggregate(pop, self.indices.herding, self.config)


def aggregate(pop: Population, herding: float, cfg) -> MoodIndices:
    """Crowd means, disagreement and the volatility multiplier.

    Sums run in float32 (numpy's pairwise summation keeps them accurate to ~1e-7 for
    values in [0, 1]), which halves the memory traffic of float64 accumulation.
    """
    n = pop.n
    sentiment = float(pop.sentiment.sum()) / n
    fear = float(pop.fear.sum()) / n
    greed = float(pop.greed.sum()) / n
    confidence = float(pop.confidence.sum()) / n
    # squared deviations and the optimists counted in one compiled pass (arena.kernels:
    # bit-identical); the variance is one numpy sum over all households, as before
    squares = work_array("psychology.squares", pop.n, pop.sentiment.dtype)
    above, at = kernels.centred_squares(pop.sentiment, np.float32(sentiment), squares)
    variance = float(squares.sum()) / n
    # ties at exactly neutral count half on each side
    optimists = (above + 0.5 * at) / pop.n
    vm = volatility_multiplier(
        fear,
        greed,
        herding,
        sentiment,
        cfg.fear_weight,
        cfg.greed_weight,
        cfg.herding_weight,
        cfg.extremity_weight,
    )
    return MoodIndices(sentiment, fear, greed, confidence, herding, variance, optimists, vm)
