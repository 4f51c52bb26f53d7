"""Package-level behaviour: public API names and process pools from any kind of driver."""

import subprocess
import sys

import pytest

import arena


def test_public_api_names():
    for name in ("ArenaConfig", "ArenaModel", "ConfigError", "load_scenario", "run", "run_batch"):
        assert hasattr(arena, name), name
    with pytest.raises(AttributeError):
        arena.no_such_name  # noqa: B018


@pytest.mark.xdist_group("dask")
def test_process_workers_start_from_a_stdin_driver():
    """A driver read from stdin (``python - <script``) can start spawned workers after importing arena."""
    script = (
        "import arena\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "import multiprocessing as mp\n"
        "with ProcessPoolExecutor(1, mp_context=mp.get_context('spawn')) as pool:\n"
        "    print(pool.submit(abs, -41).result() + 1)\n"
    )
    out = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("42")
