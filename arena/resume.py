"""Runs that write checkpoints as they go and resume from the last one.

A checkpointed run keeps, in its checkpoint directory,

``scenario.toml``
    the run as a scenario file (full config with the seed actually used, shocks, ticks), written
    before the first tick;
``run.json``
    the checkpoint interval and the run length it was started with;
``tick_00000100.npz``, ...
    checkpoints (:mod:`arena.checkpoint`) every ``every`` ticks; the newest ``KEEP`` are kept.

:func:`simulate` continues from the newest checkpoint of the directory when there is one, so a run
killed at tick 730 with ``every=100`` recomputes ticks 701-730 only and ends with numbers identical
to an uninterrupted run. ``arena run --checkpoint-every K`` / ``--resume DIR`` and
``run_batch(..., checkpoint_every=K)`` use it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping

from arena.checkpoint import CheckpointError

#: Checkpoints kept per run (older ones are deleted after a newer one is written).
KEEP = 2
#: File name of the checkpoint after ``tick`` ticks.
NAME = "tick_{:08d}.npz"
_PATTERN = re.compile(r"tick_(\d{8})\.npz")


def checkpoints(directory: str | Path) -> list[Path]:
    """Return the checkpoint files of ``directory``, oldest first (none if it is missing)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _PATTERN.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def latest(directory: str | Path) -> Path | None:
    """Return the newest checkpoint of ``directory``, or None."""
    files = checkpoints(directory)
    return files[-1] if files else None


def saved_interval(directory: str | Path) -> int | None:
    """Return the checkpoint interval a run directory was started with (``run.json``), or None."""
    path = Path(directory) / "run.json"
    return int(json.loads(path.read_text())["every"]) if path.is_file() else None


def simulate(scenario: Any, ticks: int, directory: str | Path, every: int,
             overrides: Mapping[str, Any] | None = None, *, on_tick: Callable[[Any], None] | None = None,
             check_accounting: bool = False, on_resume: Callable[[Any], None] | None = None):
    """Run ``scenario`` to ``ticks`` ticks, checkpointing every ``every`` ticks into ``directory``.

    Parameters
    ----------
    scenario : Scenario
        What to run (config and scheduled shocks).
    ticks : int
        Total run length (ticks), >= 1.
    directory : str or Path
        Checkpoint directory (created). If it holds checkpoints, the run continues from the
        newest one; its ``scenario.toml`` must then describe the same run.
    every : int
        Ticks between checkpoints, >= 1.
    overrides : mapping, optional
        Config overrides (``n_agents``, ``seed``, grid parameters) for a new run.
    on_tick : callable, optional
        ``on_tick(model)`` after every tick computed here (not for ticks restored).
    check_accounting : bool
        Passed to a new model.
    on_resume : callable, optional
        ``on_resume(model)`` once, when the run continues from a checkpoint.

    Returns
    -------
    ArenaModel
        The model after ``ticks`` ticks.
    """
    from arena.model import ArenaModel

    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"checkpoint interval must be an int >= 1. Got {every!r} instead.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    start = latest(directory)
    if start is not None:
        model = ArenaModel.load(start)
        if model.tick > ticks:
            raise CheckpointError(f"{start} is at tick {model.tick}, past the run's {ticks} ticks")
        if on_resume is not None:
            on_resume(model)
    else:
        model = ArenaModel(scenario.make_config(**dict(overrides or {})), check_accounting=check_accounting)
        (directory / "scenario.toml").write_text(scenario.to_toml(model.config, ticks))
        (directory / "run.json").write_text(json.dumps({"every": every, "ticks": ticks}) + "\n")

    def step(m) -> None:
        if m.tick % every == 0 or m.tick == ticks:
            m.save(directory / NAME.format(m.tick), overwrite=True)
            for old in checkpoints(directory)[:-KEEP]:
                old.unlink(missing_ok=True)
        if on_tick is not None:
            on_tick(m)

    return scenario.simulate(ticks, on_tick=step, model=model)
