"""Process health (psutil): CPU, memory and RSS samples for KPIs and process-health alerts.

The sample never enters the model's state: the API server and long runs take one after a
tick (at most every ``min_interval`` seconds, a few tens of microseconds each) and hand
it to :meth:`arena.alerts.AlertMonitor.evaluate_health` and to the Prometheus gauges.
"""

from __future__ import annotations

import os
import time

import psutil


class HealthSampler:
    """Sample machine and process CPU and memory with psutil.

    Parameters
    ----------
    min_interval : float, default 1.0
        Seconds between real samples; :meth:`sample` returns the previous sample if
        called sooner (psutil's CPU percentages need an interval to mean anything).
    """

    def __init__(self, min_interval: float = 1.0):
        self.process = psutil.Process(os.getpid())
        self.min_interval = min_interval
        self.cores = psutil.cpu_count() or 1
        self._last: dict[str, float] | None = None
        self._at = 0.0
        # the first call of cpu_percent(None) starts the measurement window and returns 0
        psutil.cpu_percent(None)
        self.process.cpu_percent(None)

    def sample(self, tick_ms: float | None = None, force: bool = False) -> tuple[dict[str, float], bool]:
        """Return ``(sample, fresh)``: the metrics of :data:`arena.alerts.HEALTH_METRICS`.

        ``fresh`` is False when the previous sample was reused (called within
        ``min_interval``); ``tick_ms`` is always updated.
        """
        now = time.monotonic()
        fresh = force or self._last is None or now - self._at >= self.min_interval
        if fresh:
            with self.process.oneshot():
                rss = float(self.process.memory_info().rss)
                proc_cpu = float(self.process.cpu_percent(None))
                cpu_times = self.process.cpu_times()
            self._last = {
                "cpu_percent": float(psutil.cpu_percent(None)),
                "memory_percent": float(psutil.virtual_memory().percent),
                "process_cpu_percent": proc_cpu,
                "process_rss_bytes": rss,
                "process_cpu_seconds": float(cpu_times.user + cpu_times.system),
            }
            self._at = now
        out = dict(self._last)
        if tick_ms is not None:
            out["tick_ms"] = float(tick_ms)
        return out, fresh
