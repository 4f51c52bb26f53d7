"""Keep the server's BLAS single-threaded.

OpenBLAS, which numpy wheels bundle, runs some vector operations of the engine (e.g. the
20,000-element dot product of the Gini coefficient) on every core and then busy-waits
its threads between calls. In a server that also has to answer requests, that costs about
ten times the CPU of a tick (measured: 47 ms instead of 5 ms per tick at 20,000 households
on 2 cores) and competes with the event loop. :func:`limit_blas_threads` sets the thread
count at run time (numpy is already imported when ``arena serve`` starts), through
threadpoolctl if it is installed, else through the OpenBLAS library numpy has loaded.
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
