"""Package-level behaviour: public API names and process pools from any kind of driver."""

import subprocess
import sys

import pytest

import arena


def test_public_api_names():
    for name in ("ArenaConfig", "ArenaModel", "ConfigError", "load_scenario", "run", "run_batch"):
        assert hasattr(arena, name), name
    with pytest.raises(AttributeError):
        arena.no_such_name  # noqa: B018


@pytest.mark.xdist_group("dask")
def test_process_workers_start_from_a_stdin_driver():
    """A driver read from stdin (``python - <script``) can start spawned workers after importing arena."""
    script = (
        "import arena\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "import multiprocessing as mp\n"
        "with ProcessPoolExecutor(1, mp_context=mp.get_context('spawn')) as pool:\n"
        "    print(pool.submit(abs, -41).result() + 1)\n"
    )
    out = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("42")


def test_audit_explains_every_stock_change_including_between_tick_flows():
    from arena import ArenaModel

    model = ArenaModel(n_agents=3_000, seed=5, check_accounting=True)
    agent = model.register_agent("audit", 50_000.0)
    model.outside.place(agent.id, "buy", 100.0, model.prices["equity"] * 1.3, model.tick)
    for t in range(60):
        if t == 10:
            model.apply_shock("discovery", 0.3, resource="oil")
        if t == 20:
            model.apply_shock("catastrophe", 0.4, resource="water")
        if t == 30:
            model.apply_shock("money", 0.05)
        if t == 40:
            model.apply_shock("qe", 0.01)
        model.step()
    assert model.outside.get(agent.id).shares > 0
    model.unregister_agent(agent.id)
    model.step()
    for stock, amount in model.audit().items():
        scale = max(abs(model.initial_stocks[stock]), 1.0)
        assert abs(amount) <= 1e-8 * scale, (stock, amount)
    assert model.flows_total.net("money") != 0.0


def test_batch_run_ids_change_with_the_engine_code(monkeypatch):
    """A batch resumed after an engine change recomputes instead of mixing engine versions."""
    from arena import scenarios

    scenario = arena.load_scenario("baseline")
    before = scenario.fingerprint(10, n_agents=100, seed=1)
    assert before == scenario.fingerprint(10, n_agents=100, seed=1)
    monkeypatch.setattr(scenarios, "engine_fingerprint", lambda: "another engine")
    assert scenario.fingerprint(10, n_agents=100, seed=1) != before
