"""Fill Solara's CDN proxy cache from the npm registry, so the dashboard renders offline.

Solara serves its JavaScript and CSS (the Vuetify app, require.js, Font Awesome, and the
libraries some components load lazily) through a proxy of ``cdn.jsdelivr.net``. The proxy
looks in a local cache first: ``<prefix>/share/solara/cdn/<package>@<version>/<file>``,
where ``<prefix>`` is the environment's prefix (the venv), or the directory named by the
environment variable ``SOLARA_ASSETS_PROXY_CACHE_DIR``. On machines that cannot reach
the CDN the page stays blank unless that cache is filled.

This module fills it with ``npm pack`` (the npm registry is reachable where the CDN is
not) and unpacks each tarball into ``<cache>/<request>/``, where ``<request>`` is the
package as Solara's page requests it (``vega@5``, not ``vega@5.33.1``). It is idempotent:
packages already present are skipped, so a second run takes milliseconds. If npm is
missing or fails, it prints a loud warning and exits 0 (the dashboard then needs the CDN).

Run it as ``python -m arena.dashboard.assets`` (``make install`` does).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: What Solara 1.64 (with ipyvuetify 2 / ipywidgets 8) requests from the CDN, as
#: ``request -> npm spec``. The request is the first one or two path components after
#: ``/_solara/cdn/`` (checked in the server log and with a browser's failed requests).
PACKAGES: dict[str, str] = {
    # the page shell: solara.html.j2
    "@widgetti/solara-vuetify-app@10.1.1": "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    # loaded lazily: GridDraggable (Mesa's SolaraViz), FigureAltair, Markdown (mermaid, math)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5": "vega@5",
    "vega-lite@5": "vega-lite@5",
    "vega-embed@6": "vega-embed@6",
    "mermaid@10.8.0": "mermaid@10.8.0",
    "katex@0.16.9": "katex@0.16.9",
}

MARKER = "package.json"
NPM_TIMEOUT_S = 600


def cache_dir() -> Path:
    """Return the directory Solara's CDN proxy reads, without importing Solara.

    Mirrors ``solara.server.settings.Assets.proxy_cache_dir``: the environment variable
    ``SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else ``<prefix>/share/solara/cdn`` where
    ``<prefix>`` is the user base when Solara is installed there, else ``sys.prefix``.
    """
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    prefix = sys.prefix
    spec = importlib.util.find_spec("solara")
    userbase = site.getuserbase()
    if spec and spec.origin and userbase and spec.origin.startswith(userbase):
        prefix = userbase
    return Path(prefix) / "share" / "solara" / "cdn"


def missing(cache: Path, packages: dict[str, str] = PACKAGES) -> dict[str, str]:
    """Return the packages (``request -> npm spec``) not yet unpacked in ``cache``."""
    return {req: spec for req, spec in packages.items() if not (cache / req / MARKER).is_file()}


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball (files under ``package/``) into ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        roots = [p for p in staging.iterdir() if p.is_dir()]
        if len(roots) != 1:
            raise RuntimeError(f"unexpected layout of {tarball.name}: {[p.name for p in roots]}")
        if target.exists():
            shutil.rmtree(target)
        os.replace(roots[0], target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fetch(todo: dict[str, str], cache: Path, npm: str = "npm") -> list[str]:
    """Download ``todo`` with one ``npm pack`` call and unpack each into ``cache``.

    Returns
    -------
    list of str
        The requests that were installed.

    Raises
    ------
    RuntimeError
        If npm fails or returns an unexpected answer.
    """
    specs = list(todo.values())
    with tempfile.TemporaryDirectory(prefix="arena-npm-") as tmp:
        proc = subprocess.run(
            [npm, "pack", *specs, "--json", "--pack-destination", tmp],
            cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"npm pack failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        try:
            packed = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise RuntimeError(f"npm pack returned no JSON: {proc.stdout[-500:]!r}") from exc
        if len(packed) != len(specs):
            raise RuntimeError(f"npm pack returned {len(packed)} packages for {len(specs)} specs")
        done = []
        for request, info in zip(todo, packed, strict=True):
            _unpack(Path(tmp) / info["filename"], cache / request)
            done.append(request)
        return done


def ensure_assets(cache: Path | None = None, quiet: bool = False) -> bool:
    """Make sure every package of :data:`PACKAGES` is in Solara's CDN proxy cache.

    Parameters
    ----------
    cache : Path, optional
        Cache directory; default :func:`cache_dir`.
    quiet : bool, default False
        Print nothing when everything is already present.

    Returns
    -------
    bool
        True if the cache is complete afterwards; False (with a loud warning on stderr)
        if npm is unavailable or failed.
    """
    cache = cache_dir() if cache is None else Path(cache)
    todo = missing(cache)
    if not todo:
        if not quiet:
            print(f"solara assets: all {len(PACKAGES)} packages present in {cache}")
        return True
    npm = shutil.which("npm")
    if npm is None:
        _warn(f"npm not found; cannot fill {cache} with {', '.join(todo)}")
        return False
    print(f"solara assets: fetching {len(todo)} packages from the npm registry into {cache}")
    try:
        fetch(todo, cache, npm=npm)
    except (OSError, RuntimeError, subprocess.SubprocessError, tarfile.TarError, KeyError) as exc:
        _warn(f"could not fetch {', '.join(todo)}: {exc}")
        return False
    left = missing(cache)
    if left:
        _warn(f"still missing after npm pack: {', '.join(left)}")
        return False
    print(f"solara assets: done ({len(PACKAGES)} packages in {cache})")
    return True


def _warn(message: str) -> None:
    bar = "!" * 78
    print(f"{bar}\nWARNING (arena.dashboard.assets): {message}\n"
          "The dashboard page will stay BLANK unless this machine can reach cdn.jsdelivr.net.\n"
          f"Re-run `python -m arena.dashboard.assets` once npm works.\n{bar}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; always returns 0 so that installs never fail on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="cache directory (default: Solara's)")
    parser.add_argument("--check", action="store_true", help="only report missing packages")
    parser.add_argument("--quiet", action="store_true", help="no output when nothing is to be done")
    args = parser.parse_args(argv)
    if args.check:
        cache = cache_dir() if args.cache is None else args.cache
        todo = missing(cache)
        print("missing: " + (", ".join(todo) if todo else "none") + f" (cache {cache})")
        return 0
    ensure_assets(args.cache, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
