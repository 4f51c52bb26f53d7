"""The server never runs two ticks of one model at once, whatever event loop asks for them.

``Simulation``'s asyncio lock belongs to one event loop and is made anew when the loop changes
(a restarted lifespan, a test client per test), while a tick handed to a worker thread by the old
loop may still be running. Two ticks at once corrupt the model (seen under load in
tests/test_api_fuzz.py: a tick popped the other's per-tick totals, AttributeError
'_frozen_totals'). A threading lock that outlives loops serialises them; this test asks for ticks
from two event loops in two threads at once and counts the ticks running together.
"""

import asyncio
import threading
import time

from arena import ArenaConfig
from arena.api.runtime import Simulation


def test_ticks_from_two_event_loops_never_overlap():
    """Two loops, five ticks each: at most one tick inside the model at any time, and all ten run."""
    sim = Simulation(ArenaConfig(n_agents=300, seed=1), running=False)
    state = {"inside": 0, "most": 0}
    count = threading.Lock()
    tick = sim.model.step

    def slow_tick():
        with count:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
        try:
            time.sleep(0.005)  # widens the window in which a second tick could enter
            tick()
        finally:
            with count:
                state["inside"] -= 1

    sim.model.step = slow_tick
    errors = []

    def drive():
        try:
            asyncio.run(sim.step(5))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=drive) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert state["most"] == 1
    assert sim.model.tick == 10
