"""Arena: the Living Economy Arena economic engine.

Public API::

    from arena import ArenaConfig, ArenaModel, ConfigError, load_scenario, run, run_batch
"""

from arena.config import ArenaConfig
from arena.errors import AccountingError, ConfigError, ScenarioError, ShockError
from arena.model import ArenaModel

__all__ = ["ArenaConfig", "ArenaModel", "ConfigError", "ScenarioError", "ShockError", "AccountingError",
           "load_scenario", "run", "run_batch"]
__version__ = "0.1.0"


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
    raise AttributeError(f"module 'arena' has no attribute {name!r}")
