"""Run the API server: ``python -m arena.api [--host H] [--port P] [--agents N] [--seed S]``.

Also ``[--paused] [--scenario NAME] [--log-level L] [--log-format text|json] [--alerts FILE]``.
"""

import argparse

from arena.api import serve


def main(argv=None) -> None:
    """Parse arguments and run :func:`arena.api.serve`."""
    p = argparse.ArgumentParser(prog="python -m arena.api", description="Run the Arena real-time API server.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--paused", action="store_true", help="start paused (default: tick from start-up)")
    p.add_argument("--scenario", default=None)
    p.add_argument("--log-level", default="info", type=str.lower,
                   choices=["debug", "info", "warning", "error"])
    p.add_argument("--log-format", default="text", choices=["text", "json"])
    p.add_argument("--alerts", default=None, metavar="FILE", help="TOML file of alert rules")
    a = p.parse_args(argv)
    serve(host=a.host, port=a.port, agents=a.agents, seed=a.seed, paused=a.paused, scenario=a.scenario,
          log_level=a.log_level, log_format=a.log_format, alert_rules=a.alerts)


if __name__ == "__main__":
    main()
