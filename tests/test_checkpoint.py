"""Checkpoints: save, load, resume bit for bit; refuse other versions and damaged files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arena import ArenaModel
from arena.accounting import Ledger
from arena.checkpoint import FORMAT, VERSION
from arena.errors import CheckpointCorruptError, CheckpointError, CheckpointVersionError

N = 2_000


def _run(model, ticks):
    for _ in range(ticks):
        model.step()
    return model


def _same_run(a, b):
    """Everything a run reports is identical: indicators, events, wealth, books, accounts."""
    assert a.tick == b.tick
    assert a.indicators().equals(b.indicators())
    pd.testing.assert_frame_equal(a.events(), b.events())
    np.testing.assert_array_equal(a.wealth(), b.wealth())
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.random.getstate() == b.random.getstate()
    assert a.stocks() == b.stocks()


def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    straight = _run(ArenaModel(n_agents=N, seed=5), 60)
    half = _run(ArenaModel(n_agents=N, seed=5), 25)
    half.save(tmp_path / "ckpt")
    resumed = _run(ArenaModel.load(tmp_path / "ckpt"), 35)
    _same_run(straight, resumed)
    assert all(abs(v) < 1e-6 * max(1.0, abs(resumed.stocks()[k])) for k, v in resumed.audit().items())


def test_resume_with_outside_agents_orders_and_shocks(tmp_path):
    def scripted(model, upto):
        while model.tick < upto:
            if model.tick == 3:
                acct = model.register_agent("alice", 50_000.0)
                model.outside.place(acct.id, "buy", 20.0, model.prices["equity"] * 1.05, model.tick)
                model.outside.place(acct.id, "buy", 5.0, model.prices["equity"] * 0.5, model.tick)
            if model.tick == 8:
                model.apply_shock("panic", 0.6, fraction=0.3)
            if model.tick == 14:
                model.apply_shock("discovery", 0.5, resource="oil")
            model.step()
        return model

    straight = scripted(ArenaModel(n_agents=N, seed=9), 30)
    half = scripted(ArenaModel(n_agents=N, seed=9), 12)
    half.save(tmp_path / "c.npz")
    resumed = scripted(ArenaModel.load(tmp_path / "c.npz"), 30)
    _same_run(straight, resumed)
    assert [a.summary() for a in resumed.outside.accounts.values()] == \
        [a.summary() for a in straight.outside.accounts.values()]


def test_the_file_is_numpy_and_json_without_pickle(tmp_path):
    model = _run(ArenaModel(n_agents=N, seed=1), 5)
    path = model.save(tmp_path / "ckpt")
    with np.load(path, allow_pickle=False) as data:  # would raise on any object array
        manifest = json.loads(data["manifest"].tobytes())
        assert all(data[k].dtype != object for k in data.files)
    assert manifest["format"] == FORMAT and manifest["version"] == VERSION and manifest["tick"] == 5
    state = json.loads(manifest["state"])
    assert state["config"]["__config__"]["seed"] == 1  # config stored as plain values


def test_shared_objects_stay_shared(tmp_path):
    model = _run(ArenaModel(n_agents=N, seed=2), 3)
    loaded = ArenaModel.load(model.save(tmp_path / "ck"))
    assert loaded.cfirms.config is loaded.config is loaded.central_bank.config
    assert loaded.event_log._subscribers == []  # live connections are not state


def test_new_state_of_arena_classes_is_covered_without_code_changes(tmp_path):
    model = _run(ArenaModel(n_agents=N, seed=3), 4)
    model.extra_sector = Ledger()  # an object of the arena package with nested state
    model.extra_sector.record("money", "loans", 12.5)
    model.extra_table = {("a", 1): np.arange(4.0), 7: [1.5, None, "x"], "q": {3, 4}}
    loaded = ArenaModel.load(model.save(tmp_path / "ck"))
    assert isinstance(loaded.extra_sector, Ledger) and loaded.extra_sector.net("money") == 12.5
    loaded.extra_sector.record("money", "repay", -2.5)  # the defaultdict factories work again
    assert loaded.extra_sector.net("money") == 10.0
    assert loaded.extra_table[7] == [1.5, None, "x"] and loaded.extra_table["q"] == {3, 4}
    np.testing.assert_array_equal(loaded.extra_table[("a", 1)], np.arange(4.0))


@pytest.mark.parametrize("value, where", [
    (lambda: 1, "model.hook"),
    ({"ok": 1, "bad": object()}, "model.hook['bad']"),
    ([1, 2, np.array([None, 1], dtype=object)], "model.hook[2]"),
])
def test_unserialisable_state_names_the_attribute(tmp_path, value, where):
    model = ArenaModel(n_agents=N, seed=1)
    model.hook = value
    with pytest.raises(CheckpointError) as info:
        model.save(tmp_path / "ck")
    assert where in str(info.value)
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_saving_never_replaces_a_file_unless_asked(tmp_path):
    model = ArenaModel(n_agents=N, seed=1)
    path = tmp_path / "ck"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        model.save(path)
    assert path.read_bytes() == b"precious"
    model.save(path, overwrite=True)
    assert ArenaModel.load(path).tick == 0


def _rewrite(src: Path, dst: Path, edit) -> None:
    with np.load(src, allow_pickle=False) as data:
        members = {k: data[k] for k in data.files}
    manifest = json.loads(members["manifest"].tobytes())
    edit(manifest, members)
    members["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    with open(dst, "wb") as fh:
        np.savez(fh, **members)


@pytest.fixture
def saved(tmp_path):
    return _run(ArenaModel(n_agents=N, seed=4), 3).save(tmp_path / "good")


def test_another_format_version_is_refused(saved, tmp_path):
    bad = tmp_path / "v2"
    _rewrite(saved, bad, lambda m, a: m.update(version=VERSION + 1))
    before = bad.read_bytes()
    with pytest.raises(CheckpointVersionError, match=f"version {VERSION + 1}"):
        ArenaModel.load(bad)
    assert bad.read_bytes() == before  # loading never writes


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(CheckpointVersionError, match="not an Arena checkpoint"):
        ArenaModel.load(other)
    (tmp_path / "text").write_text("hello")
    with pytest.raises(CheckpointCorruptError):
        ArenaModel.load(tmp_path / "text")


def test_damaged_arrays_and_state_are_detected(saved, tmp_path):
    flipped = tmp_path / "flipped"
    _rewrite(saved, flipped, lambda m, a: a.__setitem__("a0", a["a0"] + 1))
    with pytest.raises(CheckpointCorruptError, match="checksum"):
        ArenaModel.load(flipped)
    edited = tmp_path / "edited"
    _rewrite(saved, edited, lambda m, a: m.update(state=m["state"].replace('"running":true', '"running":0')))
    with pytest.raises(CheckpointCorruptError, match="checksum"):
        ArenaModel.load(edited)
    truncated = tmp_path / "truncated"
    truncated.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(CheckpointCorruptError):
        ArenaModel.load(truncated)
    raw = bytearray(saved.read_bytes())
    raw[len(raw) // 3] ^= 0xFF  # a flipped bit inside a member: the zip CRC or our digest catches it
    (tmp_path / "bitflip").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        ArenaModel.load(tmp_path / "bitflip")


def test_a_file_cannot_name_classes_outside_the_package(saved, tmp_path):
    def evil(manifest, arrays):
        state = json.loads(manifest["state"])
        state["hook"] = {"__object__": "subprocess.Popen", "state": {}, "__id__": 99999}
        manifest["state"] = json.dumps(state, separators=(",", ":"))
        import hashlib
        manifest["state_sha256"] = hashlib.sha256(manifest["state"].encode()).hexdigest()

    bad = tmp_path / "evil"
    _rewrite(saved, bad, evil)
    with pytest.raises(CheckpointError, match="outside the 'arena' package"):
        ArenaModel.load(bad)
    assert zipfile.is_zipfile(bad)


# ------------------------------------------------------------------ runs and batches -----
def test_arena_run_resumes_a_run_from_its_last_checkpoint(tmp_path, monkeypatch):
    from arena import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text(  # shocks before and after the checkpoint the run resumes from
        'name = "mine"\nticks = 40\n[config]\nn_agents = 2000\n'
        '[[shocks]]\ntick = 5\nkind = "panic"\nsize = 0.5\nfraction = 0.3\n'
        '[[shocks]]\ntick = 35\nkind = "catastrophe"\nsize = 0.4\nresource = "oil"\n')
    args = ["run", "mine.toml", "--seed", "3", "-q"]
    assert cli.main(args + ["--out", "straight"]) == 0
    assert cli.main(args + ["--out", "cut", "--checkpoint-every", "10"]) == 0
    ckpts = sorted(p.name for p in (tmp_path / "cut" / "checkpoints").glob("tick_*.npz"))
    assert ckpts == ["tick_00000030.npz", "tick_00000040.npz"]  # the newest two are kept
    # the run died after tick 30: its last checkpoint and its outputs are gone
    (tmp_path / "cut" / "checkpoints" / "tick_00000040.npz").unlink()
    for name in ("indicators.parquet", "events.parquet"):
        (tmp_path / "cut" / name).unlink()
    loads = []
    real_load = ArenaModel.load.__func__
    monkeypatch.setattr(ArenaModel, "load", classmethod(lambda cls, p: loads.append(Path(p).name)
                                                       or real_load(cls, p)))
    assert cli.main(["run", "--resume", "cut", "-q"]) == 0
    assert loads == ["tick_00000030.npz"]
    for name in ("indicators.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cut" / name),
                                      pd.read_parquet(tmp_path / "straight" / name))
    kinds = pd.read_parquet(tmp_path / "cut" / "events.parquet").query("type == 'shock'")["tick"].tolist()
    assert kinds == [5, 35]


def test_a_new_run_does_not_overwrite_an_unfinished_one(tmp_path, monkeypatch, capsys):
    from arena import cli

    monkeypatch.chdir(tmp_path)
    args = ["run", "baseline", "--ticks", "5", "--agents", "1000", "--out", "r", "--checkpoint-every", "2",
            "-q"]
    assert cli.main(args) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "r" / "checkpoints").iterdir()}
    assert cli.main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (tmp_path / "r" / "checkpoints").iterdir()} == before
    assert cli.main(["run", "--resume", "nowhere", "-q"]) == 2


def test_a_batch_continues_an_unfinished_run_from_its_checkpoint(tmp_path, monkeypatch):
    import arena
    from arena import resume
    from arena.batch import expand
    from arena.scenarios import load_scenario

    kwargs = dict(grid={"n_agents": [1_500]}, seeds=[1, 2], ticks=40, backend="serial", progress=False)
    fresh = arena.run_batch("baseline", out_dir=tmp_path / "fresh", **kwargs)
    out = tmp_path / "cut"
    scenario = load_scenario("baseline")
    spec = expand(scenario, kwargs["grid"], kwargs["seeds"], 40)[1]
    # a worker ran this run to tick 25 (checkpoint every 10) and was lost
    resume.simulate(scenario, 25, out / "_checkpoints" / spec.run_id, 10, {**spec.params, "seed": spec.seed})
    loads = []
    real_load = ArenaModel.load.__func__
    monkeypatch.setattr(ArenaModel, "load", classmethod(lambda cls, p: loads.append(Path(p).name)
                                                       or real_load(cls, p)))
    again = arena.run_batch("baseline", out_dir=out, checkpoint_every=10, **kwargs)
    assert loads == ["tick_00000025.npz"]
    cols = sorted(fresh.columns)
    pd.testing.assert_frame_equal(fresh[cols].reset_index(drop=True), again[cols].reset_index(drop=True))
    assert not (out / "_checkpoints" / spec.run_id).exists()  # removed once the run was written
