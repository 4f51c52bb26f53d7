"""Keep BLAS single-threaded, so that a run does not depend on the machine's cores.

OpenBLAS, which numpy wheels bundle, runs some vector operations of the engine on several threads
when they are long enough (e.g. the 20,000-element dot product of the tick-0 portfolios'
wealth-weighted rank, ``Population.set_portfolios``; the firms' wage bill at 10^6 households), and a
threaded dot product sums in another order: the same config and seed then gave different runs with
``OPENBLAS_NUM_THREADS`` unset and set to 1 (measured at ``e1ef8c9``: seed 2 of the acceptance check
10-firms, 20,000 households, a tick-level Phillips slope of -1.109 on two threads and -0.575 on one;
``make test`` sets 1, ``make run`` and the acceptance checks did not). :class:`arena.ArenaModel` calls
:func:`single_threaded_blas` when it is built, so every run is the one-thread run. In a server it
also saves CPU: busy-waiting BLAS threads cost about ten times a tick's CPU (measured: 47 ms instead of
5 ms per tick at 20,000 households on 2 cores). :func:`limit_blas_threads` sets the thread count at
run time (numpy is already imported), through threadpoolctl if it is installed, else through the
OpenBLAS library numpy has loaded. The limit holds for the whole process.
"""

from __future__ import annotations

import ctypes
import re

_SETTERS = (
    "openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
)


def limit_blas_threads(n: int = 1) -> bool:
    """Limit the BLAS libraries loaded in this process to ``n`` threads; True if any was set."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(n, user_api="blas")
        return True
    try:
        with open("/proc/self/maps") as f:
            libs = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read())))
    except OSError:  # not Linux: leave the defaults
        return False
    done = False
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(ctypes.c_int(n))
                done = True
                break
    return done


_LIMITED = False


def single_threaded_blas() -> None:
    """Limit BLAS to one thread, once per process (later calls cost nothing)."""
    global _LIMITED
    if not _LIMITED:
        limit_blas_threads(1)
        _LIMITED = True
