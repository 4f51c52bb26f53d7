"""Interactive Solara dashboard of the Arena economy (``arena dashboard``).

:func:`serve` runs the Solara server on :mod:`arena.dashboard.app` in this process; the
page is per browser session (each visitor gets an own model). Solara's JavaScript comes
from a local cache that ``python -m arena.dashboard.assets`` fills from the npm registry
(``make install`` does it), so the page also renders where its CDN is unreachable.

Importing this package does not import Solara; only :func:`serve` and the app modules do.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

APP = "arena.dashboard.app"
#: How long Solara keeps a disconnected session (overridable with SOLARA_KERNEL_CULL_TIMEOUT).
CULL_TIMEOUT = "2m"


def solara_args(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> list[str]:
    """Return the ``solara`` command-line arguments :func:`serve` runs."""
    return ["run", APP, "--host", host, "--port", str(int(port)), "--production",
            "--open" if open_browser else "--no-open", "--no-check-version"]


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False,
          scenario: str | None = None, agents: int | None = None, seed: int | None = None) -> None:
    """Serve the dashboard until interrupted (blocks).

    Parameters
    ----------
    host : str, default "127.0.0.1"
        Interface to listen on (loopback only by default).
    port : int, default 8765
        TCP port; 0 picks a free one.
    open_browser : bool, default False
        Open the page in the default web browser once the server is up.
    scenario : str, optional
        Scenario to start every session with (default: ``baseline`` if it exists).
    agents : int, optional
        Number of households, overriding the scenario's ``n_agents``.
    seed : int, optional
        Seed, overriding the scenario's.

    Notes
    -----
    Solara's settings are read from the environment when Solara is first imported, so
    this sets them first: no telemetry, no version check (this machine may be offline),
    disconnected sessions dropped after :data:`CULL_TIMEOUT`.
    Options reach each session's ``Page`` through ``ARENA_DASHBOARD_*`` variables.
    """
    from arena.dashboard import assets
    from arena.dashboard.state import ENV_AGENTS, ENV_SCENARIO, ENV_SEED

    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # a closed tab's session (its model: ~80 MB at 100,000 agents, maybe still playing)
    # is dropped after 2 minutes instead of Solara's default 24 hours
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    for name, value in ((ENV_SCENARIO, scenario), (ENV_AGENTS, agents), (ENV_SEED, seed)):
        if value is not None:
            os.environ[name] = str(value)
    assets.ensure_assets(quiet=True)  # instant when present; warns loudly if it cannot
    from solara.__main__ import cli

    cli.main(args=solara_args(host, port, open_browser), prog_name="solara", standalone_mode=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m arena.dashboard [--host H] [--port P] [--scenario S] [--agents N] [--seed S] [--open]``.

    Also ``--log-level`` and ``--log-format`` (see :mod:`arena.logs`).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m arena.dashboard",
                                     description="Serve the Arena dashboard.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--agents", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--open", action="store_true", help="open a web browser")
    parser.add_argument("--log-level", default="info", type=str.lower,
                        choices=["debug", "info", "warning", "error"])
    parser.add_argument("--log-format", default="text", choices=["text", "json"])
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    from arena import logs

    logs.configure(args.log_level, args.log_format)
    serve(args.host, args.port, args.open, args.scenario, args.agents, args.seed)
