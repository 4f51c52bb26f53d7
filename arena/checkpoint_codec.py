"""Encoding and decoding of a model's object graph for :mod:`arena.checkpoint`.

The encoder turns attributes into a JSON tree plus numpy arrays (node types: docs/checkpoints.md);
the decoder rebuilds them, creating objects only of classes of the ``arena`` package and never
calling their ``__init__``. Split from :mod:`arena.checkpoint` (files, versions, checksums).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import importlib
import itertools
import random
import re
from typing import Any

import numpy as np

from arena.errors import CheckpointCorruptError, CheckpointError, ConfigError

#: Bit generators a checkpoint may restore (numpy's own).
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
#: Lists longer than this whose items are all floats (or all numpy scalars of one dtype) are
#: stored as one array.
PACK_MIN = 8
#: Attributes that hold live connections, not state: not saved, re-created empty on load.
TRANSIENT: dict[str, dict[str, type]] = {"arena.events.EventLog": {"_subscribers": list}}


# ------------------------------------------------------------------ encoding -----------
class _Encoder:
    """Turn an object graph into a JSON tree plus a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.memo: dict[int, int] = {}
        self.keep: list[Any] = []  # objects memoised by id stay alive while encoding

    def array(self, a: np.ndarray, path: str) -> dict[str, Any]:
        if a.dtype.hasobject:
            raise CheckpointError(f"cannot save {path}: numpy array of dtype object")
        a = np.ascontiguousarray(a)
        key = f"a{len(self.arrays)}"
        self.arrays.append(a)
        return {"__ndarray__": key, "sha256": hashlib.sha256(a.tobytes()).hexdigest()}

    def _remember(self, obj: Any) -> dict[str, Any] | None:
        ref = self.memo.get(id(obj))
        if ref is not None:
            return {"__ref__": ref}
        self.memo[id(obj)] = len(self.memo)
        self.keep.append(obj)
        return None

    def encode(self, obj: Any, path: str) -> Any:
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if np.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.generic):
            return {"__scalar__": self.array(np.asarray(obj), path)}
        ref = self._remember(obj)
        if ref is not None:
            return ref
        node = self._encode_new(obj, path)
        node["__id__"] = self.memo[id(obj)]
        return node

    def _packed(self, items: list, path: str) -> dict[str, Any] | None:
        if len(items) < PACK_MIN:
            return None
        first = type(items[0])
        if first is float and all(type(v) is float for v in items):
            return {"__floats__": self.array(np.array(items, dtype=np.float64), path)}
        if first is int and all(type(v) is int and -(2**63) <= v < 2**63 for v in items):
            return {"__ints__": self.array(np.array(items, dtype=np.int64), path)}
        if issubclass(first, np.generic) and all(type(v) is first for v in items):
            return {"__scalars__": self.array(np.array(items, dtype=items[0].dtype), path)}
        return None

    def _items(self, items, path: str) -> Any:
        items = list(items)
        return self._packed(items, path) or [self.encode(v, f"{path}[{i}]") for i, v in enumerate(items)]

    def _encode_new(self, obj: Any, path: str) -> dict[str, Any]:
        from arena.config import ArenaConfig

        if isinstance(obj, np.ndarray):
            return {"__array__": self.array(obj, path)}
        if isinstance(obj, ArenaConfig):
            return {"__config__": obj.to_dict()}
        if type(obj) is list:
            return {"__list__": self._items(obj, path)}
        if type(obj) is tuple:
            return {"__tuple__": self._items(obj, path)}
        if type(obj) is collections.deque:
            return {"__deque__": self._items(obj, path), "maxlen": obj.maxlen}
        if type(obj) in (set, frozenset):
            items = sorted(obj, key=repr)
            return {"__set__": [self.encode(v, f"{path}{{}}") for v in items],
                    "frozen": type(obj) is frozenset}
        if type(obj) in (dict, collections.defaultdict):
            node = {"__dict__": [[self.encode(k, f"{path} key"), self.encode(v, f"{path}[{k!r}]")]
                                 for k, v in obj.items()]}
            if type(obj) is collections.defaultdict:
                node["default"] = _factory_spec(obj.default_factory, path)
            return node
        if type(obj) is slice:
            return {"__slice__": [obj.start, obj.stop, obj.step]}
        if type(obj) is random.Random:
            version, internal, gauss = obj.getstate()
            return {"__random__": [version, list(internal), gauss]}
        if isinstance(obj, np.random.Generator):
            bg = obj.bit_generator
            name = type(bg).__name__
            if name not in BIT_GENERATORS:
                raise CheckpointError(f"cannot save {path}: bit generator {name} is not one of "
                                      f"{BIT_GENERATORS}")
            return {"__generator__": name, "state": _json_state(bg.state, path, self)}
        if type(obj) is itertools.count:
            m = re.fullmatch(r"count\((-?\d+)\)", repr(obj))
            if m is None:
                raise CheckpointError(f"cannot save {path}: only integer itertools.count with step 1")
            return {"__count__": int(m.group(1))}
        return self._encode_object(obj, path)

    def _encode_object(self, obj: Any, path: str) -> dict[str, Any]:
        cls = type(obj)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__module__ == "mesa.datacollection" and cls.__qualname__ == "DataCollector":
            keep = ("model_vars", "_agent_records", "_agenttype_records", "tables")
            state = {k: self.encode(getattr(obj, k), f"{path}.{k}") for k in keep if hasattr(obj, k)}
            return {"__datacollector__": state}
        if not _allowed(cls):
            raise CheckpointError(
                f"cannot save {path}: objects of type {name} are not supported by checkpoints "
                f"(supported: numbers, strings, numpy arrays, containers of these, and classes of the "
                f"'arena' package); keep plain state on the model or add the type to arena.checkpoint"
            )
        if hasattr(obj, "__dict__"):
            attrs = dict(vars(obj))
        else:
            attrs = {k: getattr(obj, k) for k in _slots(cls) if hasattr(obj, k)}
        skip = TRANSIENT.get(name, {})
        state = {k: self.encode(v, f"{path}.{k}") for k, v in attrs.items() if k not in skip}
        return {"__object__": name, "state": state}


def _json_state(value: Any, path: str, enc: _Encoder) -> Any:
    """Encode a bit generator's state dict (ints, strings, arrays) as JSON."""
    if isinstance(value, dict):
        return {k: _json_state(v, path, enc) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__array__": enc.array(value, path)}
    if isinstance(value, np.integer):
        return int(value)
    return value


#: Factories a defaultdict may use: builtin constructors of empty values.
FACTORIES = {"float": float, "int": int, "list": list, "dict": dict, "set": set, "str": str}


def _factory_spec(factory: Any, path: str) -> Any:
    """Describe a defaultdict's factory by the empty value it makes (float, defaultdict(float)...)."""
    if factory is None:
        return None
    value = factory()
    if type(value) is collections.defaultdict and not value:
        return {"defaultdict": _factory_spec(value.default_factory, path)}
    name = type(value).__name__
    if name in FACTORIES and type(value) is FACTORIES[name] and value == FACTORIES[name]():
        return name
    raise CheckpointError(f"cannot save {path}: a defaultdict whose factory makes {type(value).__name__!r}")


def _factory(spec: Any) -> Any:
    """Rebuild a factory described by :func:`_factory_spec`."""
    if spec is None:
        return None
    if isinstance(spec, dict) and "defaultdict" in spec:
        return functools.partial(collections.defaultdict, _factory(spec["defaultdict"]))
    if spec not in FACTORIES:
        raise CheckpointCorruptError(f"checkpoint names an unknown defaultdict factory {spec!r}")
    return FACTORIES[spec]


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = getattr(klass, "__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    return [n for n in names if n not in ("__dict__", "__weakref__")]


def _allowed(cls: type) -> bool:
    """Classes a checkpoint may create without calling __init__: those of the arena package."""
    module = cls.__module__
    return (module == "arena" or module.startswith("arena.")) and "<locals>" not in cls.__qualname__


# ------------------------------------------------------------------ decoding -----------
class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.objects: dict[int, Any] = {}

    def array(self, ref: dict[str, Any]) -> np.ndarray:
        key = ref.get("__ndarray__")
        if key not in self.arrays:
            raise CheckpointCorruptError(f"checkpoint refers to a missing array {key!r}")
        a = self.arrays[key]
        if hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() != ref.get("sha256"):
            raise CheckpointCorruptError(f"checkpoint array {key!r} does not match its checksum")
        return a.copy()  # writeable, owns its memory

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):  # only inside packed/bit-generator parts
            return [self.decode(v) for v in node]
        if "__ref__" in node:
            return self.objects[node["__ref__"]]
        if "__float__" in node:
            return float(node["__float__"])
        if "__scalar__" in node:
            return self.array(node["__scalar__"])[()]
        obj = self._decode_new(node)
        if "__id__" in node and node["__id__"] not in self.objects:
            self.objects[node["__id__"]] = obj
        return obj

    def _seq(self, items: Any) -> list:
        if isinstance(items, dict) and "__floats__" in items:
            return self.array(items["__floats__"]).tolist()
        if isinstance(items, dict) and "__ints__" in items:
            return self.array(items["__ints__"]).tolist()
        if isinstance(items, dict) and "__scalars__" in items:
            return list(self.array(items["__scalars__"]))
        return [self.decode(v) for v in items]

    def _decode_new(self, node: dict[str, Any]) -> Any:
        from arena.config import ArenaConfig

        uid = node.get("__id__")
        if "__array__" in node:
            return self.array(node["__array__"])
        if "__config__" in node:
            try:
                return ArenaConfig.from_dict(node["__config__"])
            except ConfigError as exc:
                raise CheckpointError(f"checkpoint config is not valid here: {exc}") from None
        if "__list__" in node:  # registered before the items: a list may contain itself
            out: list = []
            self.objects[uid] = out
            out.extend(self._seq(node["__list__"]))
            return out
        if "__tuple__" in node:
            return tuple(self._seq(node["__tuple__"]))
        if "__deque__" in node:
            return collections.deque(self._seq(node["__deque__"]), maxlen=node["maxlen"])
        if "__set__" in node:
            items = [self.decode(v) for v in node["__set__"]]
            return frozenset(items) if node["frozen"] else set(items)
        if "__dict__" in node:
            d: dict = collections.defaultdict(_factory(node["default"])) if "default" in node else {}
            self.objects[uid] = d
            for k, v in node["__dict__"]:
                d[self.decode(k)] = self.decode(v)
            return d
        if "__slice__" in node:
            return slice(*node["__slice__"])
        if "__random__" in node:
            version, internal, gauss = node["__random__"]
            r = random.Random()
            r.setstate((version, tuple(internal), gauss))
            return r
        if "__generator__" in node:
            name = node["__generator__"]
            if name not in BIT_GENERATORS:
                raise CheckpointError(f"checkpoint bit generator {name!r} is not one of {BIT_GENERATORS}")
            bg = getattr(np.random, name)()
            bg.state = self._generator_state(node["state"])
            return np.random.Generator(bg)
        if "__count__" in node:
            return itertools.count(node["__count__"])
        if "__datacollector__" in node:
            return {"__datacollector__": {k: self.decode(v) for k, v in node["__datacollector__"].items()}}
        if "__object__" in node:
            return self._object(node, uid)
        raise CheckpointCorruptError(f"checkpoint holds an unknown node {sorted(node)[:3]}")

    def _generator_state(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "__array__" in value:
                return self.array(value["__array__"])
            return {k: self._generator_state(v) for k, v in value.items()}
        return value

    def _object(self, node: dict[str, Any], uid: int) -> Any:
        name = node["__object__"]
        module, _, qualname = name.rpartition(".")
        if not (module == "arena" or module.startswith("arena.")):
            raise CheckpointError(f"checkpoint names class {name!r}, outside the 'arena' package")
        try:
            cls = getattr(importlib.import_module(module), qualname)
        except (ImportError, AttributeError):
            raise CheckpointError(f"checkpoint names class {name!r}, which this version lacks") from None
        if not isinstance(cls, type) or not _allowed(cls):
            raise CheckpointError(f"checkpoint names {name!r}, which is not a class of the 'arena' package")
        obj = cls.__new__(cls)
        self.objects[uid] = obj
        state = {k: self.decode(v) for k, v in node["state"].items()}
        for attr, factory in TRANSIENT.get(name, {}).items():
            state[attr] = factory()
        if hasattr(obj, "__dict__"):
            obj.__dict__.update(state)  # no __init__, no __setattr__: data only
        else:
            for k, v in state.items():
                object.__setattr__(obj, k, v)
        return obj
