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
``|n_buy - n_sell| / (n_buy + n_sell)``; the probability that a trader copies the crowd
is ``herding_strength * lopsidedness`` where lopsidedness is ``|2 * share_optimists - 1|``
(Kirman 1993; Lux & Marchesi 1999).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.blocks import blocks
from arena.population import Population

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


def crowd_weight(social_influence: float, herding_strength: float) -> float:
    """Weight of the crowd's mood in an agent's mood target, in [0, 1].

    ``1 - (1 - social_influence) (1 - herding_strength)``: herding is imitation, so it
    raises the pull of the crowd's mood on top of the baseline social influence (Kirman
    1993; Lux & Marchesi 1999). A mood shared by the crowd then decays more slowly: the
    crowd mean returns to its own target at ``mood_adjustment * (1 - weight)`` per tick.
    """
    return 1.0 - (1.0 - social_influence) * (1.0 - herding_strength)


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
        wealth: np.ndarray,
        market_return: float,
        trend: float,
        volatility: float,
        herding: float,
    ) -> MoodIndices:
        """Move every household's moods toward their targets and return the aggregates.

        Parameters
        ----------
        pop : Population
            Households (moods updated in place).
        wealth : numpy.ndarray
            Current wealth per household (currency).
        market_return : float
            Equity log return of this tick.
        trend : float
            EWMA of equity log returns (per tick).
        volatility : float
            Realised volatility per tick.
        herding : float
            Herding factor of this tick's order flow, in [0, 1].
        """
        cfg = self.config
        annual_vol = volatility * cfg.ticks_per_year**0.5
        stress = float(np.clip(annual_vol / cfg.volatility_threshold - 1.0, -1.0, 5.0))
        momentum = float(np.clip(trend / RETURN_SCALE, -5.0, 5.0))
        prev = self.indices
        social = crowd_weight(cfg.social_influence, cfg.herding_strength)
        rate = np.float32(cfg.mood_adjustment)
        # targets are logistic around the neutral moods (0.5, 0.2, 0.2, 0.6) of a calm market
        stressed = max(stress, 0.0)
        moods = (  # (mood, slope of the memory, offset of the target's logit, crowd mean)
            (pop.sentiment, 1.0, 0.5 * momentum, prev.sentiment),
            (pop.fear, -0.5, NEUTRAL_LOGIT["fear"] + STRESS_WEIGHT * stressed - 0.3 * momentum, prev.fear),
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
        mem_scale = np.float32(1.0 / RETURN_SCALE)
        last, memory = pop.last_wealth, pop.memory
        for sl in blocks(pop.n):
            # own return as a relative change (a log is costlier and equal to first order)
            own = (wealth[sl] - last[sl]) / np.maximum(last[sl], 1e-12)
            np.clip(own, -1.0, 1.0, out=own)
            mem_b = memory[sl]
            mem_b *= cfg.memory_decay
            mem_b += ((1.0 - cfg.memory_decay) * own).astype(np.float32)
            mem = mem_b * mem_scale
            t = np.empty_like(mem)
            for (mood, *_), (half_slope, half_offset, gain, level) in zip(moods, consts, strict=True):
                m = mood[sl]
                np.multiply(mem, half_slope, out=t)
                t += half_offset
                np.tanh(t, out=t)
                t *= gain
                m *= keep
                m += t
                m += level
                np.clip(m, 0.0, 1.0, out=m)
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
    # squared deviations and the optimists counted block by block (arena.blocks); the
    # variance is one sum over all households, as before
    squares = np.empty_like(pop.sentiment)
    above = at = 0
    mean = np.float32(sentiment)
    for sl in blocks(n):
        block = pop.sentiment[sl]
        centred = np.subtract(block, mean, out=squares[sl])
        centred *= centred
        above += int(np.count_nonzero(block > 0.5))
        at += int(np.count_nonzero(block == 0.5))
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
