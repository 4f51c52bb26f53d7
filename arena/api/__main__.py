"""``python -m arena.api [--host H] [--port P] [--agents N] [--seed S] [--paused] [--scenario NAME]``."""

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
    a = p.parse_args(argv)
    serve(host=a.host, port=a.port, agents=a.agents, seed=a.seed, paused=a.paused, scenario=a.scenario)


if __name__ == "__main__":
    main()
