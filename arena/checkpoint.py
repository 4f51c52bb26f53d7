"""Checkpoints: save a running model to one file and resume it bit for bit.

Format (``FORMAT``, version ``VERSION``; described for users in docs/checkpoints.md): one
uncompressed numpy ``.npz`` archive, written with ``allow_pickle=False`` and read the same way,
so a file from elsewhere can hold data but never code. Its members are

``manifest``
    a uint8 array holding UTF-8 JSON: ``format``, ``version``, ``arena`` (package version),
    ``engine`` (:func:`arena.scenarios.engine_fingerprint`), ``tick``, ``created``,
    ``state_sha256`` and ``state`` (the state tree as JSON text);
``a0``, ``a1``, ...
    the numpy arrays the state tree refers to.

The state tree is the model's attributes, walked generically: JSON scalars, numpy arrays and
scalars (as array members, exact dtype and bits), lists, tuples, deques (with ``maxlen``),
sets, dicts (any encodable keys), slices, ``random.Random`` and numpy ``Generator`` states,
``itertools.count``, :class:`~arena.config.ArenaConfig` (re-validated on load), and instances
of classes of the ``arena`` package (dataclasses or plain ``__dict__`` objects), restored
without calling ``__init__``. An object met twice is stored once and restored as one object,
so shared references (a config held by several submodels, one Generator) stay shared. Long
homogeneous lists of floats or numpy scalars (indicator history, return windows) are stored
as one array. Mesa's DataCollector keeps its history (``model_vars``); its reporters are
rebuilt by the model's constructor. Anything else raises :class:`CheckpointError` naming the
attribute path, e.g. ``model.outside.accounts['a1'].handle``.

Every array member carries a SHA-256 digest in the tree and the tree carries one in the
manifest; a mismatch, a damaged archive, another format or another version raises a
specific :class:`CheckpointError` subclass. Loading never writes; saving writes a temporary
file beside the target and renames it, and refuses to replace an existing file unless asked.
The walk over the object graph lives in :mod:`arena.checkpoint_codec`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from arena.checkpoint_codec import TRANSIENT, _Decoder, _Encoder
from arena.errors import CheckpointCorruptError, CheckpointError, CheckpointVersionError

__all__ = ["TRANSIENT", "CheckpointCorruptError", "CheckpointError", "CheckpointVersionError", "load", "save"]

#: Name written into every checkpoint.
FORMAT = "arena-checkpoint"
#: Format version; files of another version are refused (CheckpointVersionError).
VERSION = 1
#: Attributes of the model that mesa.Model.__init__ builds (agent registries, the step wrapper).
MESA_INTERNAL = frozenset({"_agents", "_agents_by_type", "_all_agents", "_user_step", "step"})


# ------------------------------------------------------------------ files ---------------
def model_state(model: Any) -> dict[str, Any]:
    """Return the attributes of ``model`` a checkpoint stores (Mesa's registries excluded)."""
    return {k: v for k, v in vars(model).items() if k not in MESA_INTERNAL}


def save(model: Any, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``model`` to the checkpoint file ``path`` (see the module docstring).

    Parameters
    ----------
    model : ArenaModel
        The model, between ticks.
    path : str or PathLike
        Target file; written as given (no suffix added). Its directory must exist.
    overwrite : bool, default False
        Replace an existing file (atomically). Without it an existing file is an error.

    Returns
    -------
    Path
        The file written.
    """
    from arena import __version__
    from arena.scenarios import engine_fingerprint

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"checkpoint {path} exists; pass overwrite=True to replace it")
    enc = _Encoder()
    tree = {name: enc.encode(value, f"model.{name}") for name, value in model_state(model).items()}
    text = json.dumps(tree, separators=(",", ":"), allow_nan=False)
    manifest = {
        "format": FORMAT, "version": VERSION, "arena": __version__, "engine": engine_fingerprint(),
        "tick": int(model.steps), "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "state_sha256": hashlib.sha256(text.encode()).hexdigest(), "state": text,
    }
    members = {f"a{i}": a for i, a in enumerate(enc.arrays)}
    members["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **members)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a checkpoint file; return (manifest, state tree, arrays). Never writes."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise CheckpointCorruptError(f"{path} is not a readable checkpoint archive ({exc})") from None
    if "manifest" not in arrays:
        raise CheckpointVersionError(f"{path} is not an Arena checkpoint (no manifest)")
    try:
        manifest = json.loads(arrays.pop("manifest").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointCorruptError(f"{path}: the manifest is damaged ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointVersionError(f"{path} is not an Arena checkpoint (format {manifest.get('format')!r})")
    if manifest.get("version") != VERSION:
        raise CheckpointVersionError(
            f"{path} is an Arena checkpoint of format version {manifest.get('version')!r}; this Arena "
            f"{_version()} reads version {VERSION} only"
        )
    text = manifest.get("state", "")
    if hashlib.sha256(text.encode()).hexdigest() != manifest.get("state_sha256"):
        raise CheckpointCorruptError(f"{path}: the state does not match its checksum")
    return manifest, json.loads(text), arrays


def _version() -> str:
    from arena import __version__

    return __version__


def restore(model: Any, tree: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Replace the state of a freshly constructed ``model`` by the decoded ``tree``."""
    missing = sorted(set(model_state(model)) - set(tree))  # attributes made lazily may be extra
    if missing:
        raise CheckpointError(
            f"checkpoint lacks model attributes this version has: {', '.join(missing)} "
            "(written by an older engine?)"
        )
    dec = _Decoder(arrays)
    values = {name: dec.decode(node) for name, node in tree.items()}
    collector = values.pop("datacollector", None)
    if isinstance(collector, dict) and "__datacollector__" in collector:
        saved_vars = collector["__datacollector__"]
        live = model.datacollector
        if set(saved_vars.get("model_vars", {})) != set(live.model_reporters):
            raise CheckpointError("checkpoint indicator columns differ from this version's reporters")
        for k, v in saved_vars.items():
            setattr(live, k, v)
    for name, value in values.items():
        setattr(model, name, value)


def load(cls: type, path: str | os.PathLike) -> Any:
    """Build a ``cls`` model from the checkpoint file ``path`` (see :func:`save`).

    The model is constructed from the saved config (so structure such as the DataCollector's
    reporters comes from this version's code), then every saved attribute replaces the fresh
    one. Raises :class:`CheckpointVersionError`, :class:`CheckpointCorruptError` or
    :class:`CheckpointError`; nothing is written.
    """
    import warnings

    from arena.scenarios import engine_fingerprint

    manifest, tree, arrays = read(path)
    expected = f"{cls.__module__}.{cls.__qualname__}"
    if manifest.get("model") != expected:
        raise CheckpointError(f"{path} holds a {manifest.get('model')!r}, not a {expected!r}")
    if "config" not in tree:
        raise CheckpointCorruptError(f"{path}: the state has no config")
    config = _Decoder(arrays).decode(tree["config"])
    model = cls(config)
    restore(model, tree, arrays)
    if manifest.get("engine") != engine_fingerprint():
        warnings.warn(
            f"{path} was written by another engine version (fingerprint {str(manifest.get('engine'))[:12]}); "
            "the resumed run continues with this version's code",
            CheckpointWarning, stacklevel=3,
        )
    return model


class CheckpointWarning(UserWarning):
    """A checkpoint was written by different engine code than the one loading it."""
