"""Arena: the Living Economy Arena economic engine.

Public API::

    from arena import ArenaConfig, ArenaModel, ConfigError, load_scenario, run, run_batch
    arena.experiment(scenario, treatment=..., control=..., seeds=..., metrics=...)

Research tools (imported on first use): ``arena.calibrate`` (:mod:`arena.calibration`),
:mod:`arena.validation` (stylized facts vs real data), :mod:`arena.sensitivity` (SALib).
"""

import logging as _logging
import os as _os
import sys as _sys

from arena.config import ArenaConfig
from arena.errors import AccountingError, ConfigError, ScenarioError, ShockError
from arena.model import ArenaModel

__all__ = [
    "ArenaConfig",
    "ArenaModel",
    "ConfigError",
    "ScenarioError",
    "ShockError",
    "AccountingError",
    "load_scenario",
    "run",
    "run_batch",
    "calibrate",
    "experiment",
]
__version__ = "0.1.0"
# a library emits records and leaves output to the application (arena.logs.configure)
_logging.getLogger("arena").addHandler(_logging.NullHandler())


def _spawn_safe_main() -> None:
    """Let spawned workers start when the driver script was read from stdin.

    ``import mesa`` switches multiprocessing to the "spawn" start method, and Dask
    spawns its workers too. A spawned child re-runs the parent's ``__main__`` from
    ``__main__.__file__``; for ``python - <script`` that is the non-existent path
    ``<stdin>``, so every worker dies with FileNotFoundError. Dropping a path that does
    not exist makes the child skip that step, as it does for ``python -c`` and notebooks.
    """
    main = _sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if isinstance(path, str) and not _os.path.exists(path):
        try:
            del main.__file__
        except AttributeError:  # pragma: no cover - read-only __main__ in exotic hosts
            pass


_spawn_safe_main()

# Imported eagerly (it is light: pandas is already loaded by the model) so that the name
# ``arena.experiment`` is the function even after ``import arena.experiment`` loads the module.
from arena.experiment import experiment  # noqa: E402


def __getattr__(name):
    # scenarios, runs and batches import pandas/pyarrow/tqdm lazily
    if name == "load_scenario":
        from arena.scenarios import load_scenario

        return load_scenario
    if name == "run":
        from arena.runner import run

        return run
    if name == "run_batch":
        from arena.batch import run_batch

        return run_batch
    if name == "calibrate":
        from arena.calibration import calibrate

        return calibrate
    if name in ("validation", "sensitivity", "calibration"):
        import importlib

        return importlib.import_module(f"arena.{name}")
    raise AttributeError(f"module 'arena' has no attribute {name!r}")
