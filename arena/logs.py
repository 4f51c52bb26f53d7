"""Logging set-up: the ``arena.*`` loggers, readable text or JSON lines.

The library only *emits* records (``logging.getLogger("arena.<module>")``); the ``arena``
logger has a :class:`logging.NullHandler`, so nothing is printed unless the application
configures logging. The command line does that with :func:`configure` (``--log-level``,
``--log-format``). Levels follow the engine specification (docs/api.md, "Logs"):

* ERROR: critical failures (a tick raised, a batch run failed);
* WARNING: performance degradation and unusual patterns (a tick slower than ``tick_rate``,
  a WebSocket queue dropping messages, an alert firing, a slow client disconnected);
* INFO: normal operation (server start, run and batch progress, alert resolved);
* DEBUG: detail (every tick's duration, every request).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import IO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
#: Attributes of every LogRecord; anything else on a record came from ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (ISO-8601 UTC), ``level``, ``logger``, ``message``, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a compact JSON line."""
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, separators=(",", ":"), default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LOGGERS = ("arena", "uvicorn")  # uvicorn.error and uvicorn.access propagate to "uvicorn"


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to the *current* ``sys.stderr`` (it may be replaced later)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        """``sys.stderr`` at the time of writing."""
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def check_level(level: str | int) -> int:
    """Return the numeric level of a name such as ``"info"`` (ValueError naming the choices)."""
    if isinstance(level, int):
        return level
    name = str(level).upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LEVELS:
        raise ValueError(f"'log_level' must be one of {', '.join(LEVELS)}. Got {level!r} instead.")
    return getattr(logging, name)


def configure(level: str | int = "INFO", fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Send ``arena.*`` (and uvicorn's) records at ``level`` and above to ``stream``.

    Parameters
    ----------
    level : str or int, default "INFO"
        One of :data:`LEVELS` (case-insensitive; ``WARN`` is accepted).
    fmt : {"text", "json"}, default "text"
        Readable lines or JSON lines (:class:`JsonFormatter`).
    stream : file, optional
        Default ``sys.stderr``.

    Returns
    -------
    logging.Handler
        The installed handler (replaces one installed by an earlier call).
    """
    if fmt not in FORMATS:
        raise ValueError(f"'log_format' must be one of {', '.join(FORMATS)}. Got {fmt!r} instead.")
    numeric = check_level(level)
    handler = logging.StreamHandler(stream) if stream is not None else StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("arena-cli")
    handler.setLevel(numeric)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "arena-cli"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(numeric)
        logger.propagate = False  # one line per record even if the application set up root logging
    return handler


def reset(handler: logging.Handler) -> None:
    """Undo :func:`configure` (the command line calls it on exit, so in-process callers are unaffected)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def add_file_handler(path, level: str | int = "INFO", fmt: str = "json", mode: str = "a") -> logging.Handler:
    """Also write ``arena.*`` records to ``path`` (run directories); remove it with :func:`remove`.

    ``mode="a"`` appends (a resumed batch), ``"w"`` starts the file again (a repeated run).
    """
    handler = logging.FileHandler(path, mode=mode, encoding="utf-8")
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.setLevel(check_level(level))
    logger = logging.getLogger("arena")
    logger.addHandler(handler)
    handler.previous_level = logger.level  # restored by remove()
    if logger.level == logging.NOTSET or logger.level > handler.level:
        logger.setLevel(handler.level)
    return handler


def remove(handler: logging.Handler) -> None:
    """Detach and close a handler installed by :func:`add_file_handler`."""
    logger = logging.getLogger("arena")
    logger.removeHandler(handler)
    if hasattr(handler, "previous_level"):
        logger.setLevel(handler.previous_level)
    handler.close()
