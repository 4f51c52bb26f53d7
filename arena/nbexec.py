"""Execute notebooks with nbclient, waiting on the shell socket in short slices.

Why this exists (issue 18, docs/performance.md "Notebook execution"): nbclient waits for a
cell's ``execute_reply`` with one ``poll`` of the shell socket lasting the whole per-cell
timeout (``jupyter_client``'s ``AsyncZMQSocketChannel.get_msg``). While it waits, nbclient's
handler of ``ipywidgets`` Output widgets sends comm messages on the *same* asyncio socket
(``nbclient/output_widget.py``). A send runs libzmq's command processing, which can consume
the socket's edge-triggered ``ZMQ_FD`` read event; the pending ``poll`` is then never woken,
although the reply has arrived, and only its final non-blocking check at the timeout finds
it: the cell ends "ok", late by the whole timeout. That is the stall measured there (the
kernel sent the reply, the client noticed it 179.6 s later, at its 180 s timeout), with
ipykernel 7.4 and 6.31 alike — the same lost wake-up as ipykernel #1554 on the kernel side.

The fix lives in the client: :class:`NotebookClient` waits on the shell socket in slices of
:data:`SHELL_POLL_SLICE` seconds. Each slice ends with that final check, so a lost wake-up
costs at most one slice instead of the whole timeout. Nothing else of nbclient changes. This
module belongs to the tooling (tests, benchmarks); the engine never imports it.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

import nbclient

#: Longest single wait on the shell socket (seconds): the most a lost wake-up can cost.
SHELL_POLL_SLICE = 0.5


def slice_shell_waits(channel: Any, slice_seconds: float = SHELL_POLL_SLICE) -> None:
    """Make ``channel.get_msg(timeout)`` wait in slices of at most ``slice_seconds``.

    Parameters
    ----------
    channel : jupyter_client AsyncZMQSocketChannel
        The kernel client's shell channel; its ``get_msg`` is wrapped in place.
    slice_seconds : float, default 0.5
        Length of one poll (seconds, > 0).
    """
    if slice_seconds <= 0:
        raise ValueError(f"slice_seconds must be > 0. Got {slice_seconds!r} instead.")
    whole_wait = channel.get_msg

    async def get_msg(timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = slice_seconds if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await whole_wait(timeout=min(slice_seconds, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


class NotebookClient(nbclient.NotebookClient):
    """:class:`nbclient.NotebookClient` whose waits on the shell socket are sliced (see module doc)."""

    async def async_start_new_kernel_client(self):
        """Start the kernel client as nbclient does, then slice its shell waits."""
        kc = await super().async_start_new_kernel_client()
        slice_shell_waits(kc.shell_channel)
        return kc
