"""Exception classes of the Arena engine.

Every error raised on bad input subclasses :class:`ValueError`, so callers that
only care about "bad input" can catch that, and tests can check the precise class.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is of the wrong type, out of range or unknown."""


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file and the key path."""


class ShockError(ValueError):
    """A shock request names an unknown kind or target, or has an invalid size."""


class CheckpointError(ValueError):
    """A model cannot be saved, or a file cannot be loaded as a checkpoint (:mod:`arena.checkpoint`)."""


class CheckpointVersionError(CheckpointError):
    """The file is not an Arena checkpoint, or one of another format version."""


class CheckpointCorruptError(CheckpointError):
    """The checkpoint file is damaged: unreadable archive or a checksum mismatch."""


class AccountingError(RuntimeError):
    """A stock changed by more than the recorded flows explain.

    Parameters
    ----------
    tick : int
        Tick after which the check failed.
    account : str
        Name of the stock, e.g. ``"money"`` or ``"shares_equity"``.
    amount : float
        Unexplained change (actual minus expected), in the stock's unit.
    """

    def __init__(self, tick: int, account: str, amount: float):
        self.tick, self.account, self.amount = tick, account, amount
        super().__init__(
            f"accounting violated at tick {tick}: account {account!r} changed by "
            f"{amount:+.6g} more than its recorded flows"
        )
