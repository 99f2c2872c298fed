"""Plain data between the grader's checker and a student's kernel: no pickle, nothing executable.

When the grader checks an answer, the check runs in the grader's worker process and the student's
function runs in the student's kernel. Every call crosses this wire: the arguments go to the kernel
as JSON, the kernel calls the function and sends back its result and the arguments' state after
the call (so a function that changes an array in place does so on the checker's side too).

What crosses, and how:

    None, bool, int, str, float (nan/inf too)   as themselves, or {"float": "nan"}
    NumPy scalar, ndarray (numeric/bool/str)    {"ndarray": <base64 .npy>, "scalar": bool}  (np.load, allow_pickle=False)
    tuple, list, dict                           {"tuple": [...]}, [...], {"dict": [[key, value], ...]}
    np.random.Generator                         {"rng": <bit generator state>}
    an nnlib layer (Linear, Sequential, ...)    {"layer": "Linear", "state": {attribute: value}}
    Portable (checker -> kernel only)           {"portable": "lambda x: ...", "captured": {...}}
    any other callable (kernel -> checker)      {"handle": n}: it stays in the kernel, calls go back to it
    anything else (kernel -> checker)           {"opaque": "type name"}: the check sees an Opaque object

The checker never runs code that came from the kernel; the kernel rebuilds Portable functions, which
are the checker's own (test functions such as f(x) = sum(x**3), sent as source with their data).
"""
from __future__ import annotations

import base64
import builtins
import io
import time
import warnings
from typing import Callable

import numpy as np

from ..checks import student_line

MAX_DEPTH = 32
MAX_REPEAT = 100_000   # calls in one call_many
MIME = "application/x.nnlib-wire+json"   # how the kernel's reply travels (a display_data output)
_FP_KIND = {"overflow": "over", "invalid": "invalid", "divide": "divide", "underflow": "under"}  # np.geterr keys


class WireError(ValueError):
    """Data that cannot cross the wire (too deep, an unknown tag, an unsafe array)."""


class Opaque:
    """Stands in, on the checker's side, for a value the kernel could not send (e.g. an object array)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


class Portable:
    """A test function written by a check, sent to the kernel as source plus plain data.

        f = Portable("lambda x: np.sum(np.tanh(x @ B))", B=B)
        f(x)   # works here too

    The source is evaluated with `np` and the captured names in scope, here and in the kernel.
    """

    def __init__(self, source: str, **captured):
        self.source, self.captured = source, captured
        self._fn = eval(source, {"np": np, "__builtins__": builtins, **captured})

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Portable({self.source!r})"


def _layer_classes() -> dict[str, type]:
    """nnlib's public layer classes by name: the only objects that cross the wire."""
    import nnlib
    from nnlib.layers.base import Layer
    return {name: obj for name, obj in vars(nnlib).items()
            if isinstance(obj, type) and issubclass(obj, Layer)}


def _encode_array(a: np.ndarray, scalar: bool) -> dict:
    if a.dtype.kind not in "biufcUS":
        raise WireError(f"an array of dtype {a.dtype} cannot be sent")
    buf = io.BytesIO()
    np.save(buf, np.asarray(a, order="C"), allow_pickle=False)   # (ascontiguousarray would make 0-d 1-d)
    return {"ndarray": base64.b64encode(buf.getvalue()).decode("ascii"), "scalar": scalar}


def encode(value, handles: dict | None = None, depth: int = 0):
    """`value` as JSON-able data. `handles`, on the kernel's side, keeps callables that cannot be sent
    (their number goes instead); without it such values are an error (the checker sends only data)."""
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    enc = lambda v: encode(v, handles, depth + 1)  # noqa: E731
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value), scalar=True)
    if isinstance(value, np.ndarray):
        return _encode_array(value, scalar=False)
    if isinstance(value, tuple):
        return {"tuple": [enc(v) for v in value]}
    if isinstance(value, list):
        return [enc(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[enc(k), enc(v)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        if state.get("bit_generator") != "PCG64":
            raise WireError("only PCG64 generators (np.random.default_rng) can be sent")
        return {"rng": {"state": str(state["state"]["state"]), "inc": str(state["state"]["inc"]),
                        "has_uint32": int(state["has_uint32"]), "uinteger": int(state["uinteger"])}}
    if isinstance(value, Portable) and handles is None:   # (in the kernel it is just a callable)
        return {"portable": value.source, "captured": enc(value.captured)}
    layers = _layer_classes()
    if type(value) in layers.values():
        state = {k: v for k, v in vars(value).items() if not callable(v) or isinstance(v, Portable)}
        return {"layer": type(value).__name__, "state": enc(state)}
    if handles is not None:
        if callable(value):
            handles[len(handles) + 1] = value
            return {"handle": len(handles)}
        return {"opaque": type(value).__name__}
    raise WireError(f"a {type(value).__name__} cannot be sent")


def decode(data, *, in_kernel: bool = False, remote: Callable | None = None, depth: int = 0):
    """The value `data` encodes. In the kernel (`in_kernel`), Portable functions are rebuilt; on the
    checker's side they are refused and handles become `remote(handle)`: a callable into the kernel."""
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    dec = lambda v: decode(v, in_kernel=in_kernel, remote=remote, depth=depth + 1)  # noqa: E731
    if data is None or isinstance(data, (bool, int, str, float)):
        return data
    if isinstance(data, list):
        return [dec(v) for v in data]
    if not isinstance(data, dict) or len(data) > 2:
        raise WireError(f"unexpected {type(data).__name__} on the wire")
    tag = next(iter(data), None)
    if tag == "float" and data["float"] in ("nan", "inf", "-inf"):
        return float(data["float"])
    if tag == "ndarray":
        raw = base64.b64decode(data["ndarray"], validate=True)
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
        return arr[()] if data.get("scalar") else arr
    if tag == "tuple" and isinstance(data["tuple"], list):
        return tuple(dec(v) for v in data["tuple"])
    if tag == "dict" and isinstance(data["dict"], list):
        pairs = [dec(p) for p in data["dict"]]
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise WireError("a malformed dict on the wire")
        try:
            return {k: v for k, v in pairs}
        except TypeError:
            raise WireError("a dict key that cannot be a key") from None
    if tag == "rng":
        s = data["rng"]
        rng = np.random.default_rng()
        rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": int(s["state"]), "inc": int(s["inc"])},
                                   "has_uint32": int(s["has_uint32"]), "uinteger": int(s["uinteger"])}
        return rng
    if tag == "layer":
        cls = _layer_classes().get(data["layer"])
        state = dec(data.get("state"))
        if cls is None or not isinstance(state, dict):
            raise WireError(f"{data['layer']!r} is not an nnlib layer")
        obj = cls.__new__(cls)
        for key, value in state.items():
            if not isinstance(key, str) or key.startswith("__") or callable(getattr(cls, key, None)):
                raise WireError(f"a layer attribute {key!r} cannot be set from the wire")
            setattr(obj, key, value)
        return obj
    if tag == "portable" and in_kernel:
        return Portable(data["portable"], **dec(data.get("captured")))
    if tag == "handle" and not in_kernel and remote is not None and isinstance(data["handle"], int):
        return remote(data["handle"])
    if tag == "opaque" and not in_kernel:
        return Opaque(str(data["opaque"])[:100])
    raise WireError(f"unexpected data on the wire: {str(data)[:80]}")


def update(original, after, replaced=()):
    """Make `original` (an argument on the checker's side) look like `after` (the same argument in the
    kernel after the call): arrays are written in place, lists, dicts and layers updated member by member.
    `replaced`: paths (lists of keys) of members the function replaced by other objects in the kernel; there
    the checker's container gets the new object too, so that `params[k] is old_array` tells what it tells
    in one process. Returns the value the caller should hold (the original object wherever it could be kept)."""
    def sub(key):
        return [p[1:] for p in replaced if p and p[0] == key and len(p) > 1]

    def member(key, old, new):
        return new if [key] in replaced else update(old, new, sub(key))
    if isinstance(original, np.ndarray) and isinstance(after, np.ndarray):
        if original.shape == after.shape and original.flags.writeable:
            try:
                np.copyto(original, after, casting="unsafe")
                return original
            except (TypeError, ValueError):
                pass
        return after
    if isinstance(original, np.random.Generator) and isinstance(after, np.random.Generator):
        original.bit_generator.state = after.bit_generator.state
        return original
    if isinstance(original, list) and isinstance(after, list):
        original[:] = [member(i, o, a) for i, (o, a) in enumerate(zip(original, after))] + after[len(original):]
        return original
    if isinstance(original, dict) and isinstance(after, dict):
        for key in [k for k in original if k not in after]:
            del original[key]
        for key, value in after.items():
            original[key] = member(key, original[key], value) if key in original else value
        return original
    if type(original) is type(after) and type(original) in _layer_classes().values():
        for key, value in vars(after).items():
            setattr(original, key, member(key, getattr(original, key, None), value))
        return original
    return after


def _members(value):
    """(key, member) pairs of a list, tuple, dict or nnlib layer (its attributes); [] for anything else."""
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    if isinstance(value, dict):
        return list(value.items())
    if type(value) in _layer_classes().values():
        return list(vars(value).items())
    return []


def _mutable(value) -> bool:
    return isinstance(value, (np.ndarray, list, dict)) or type(value) in _layer_classes().values()


def _objects(value, seen: dict) -> dict:
    """seen[id(obj)] = obj for every array, list, dict and layer reachable from value (the references keep
    them alive, so no new object can get the id of one of them during the call)."""
    if _mutable(value):
        if id(value) in seen:
            return seen
        seen[id(value)] = value
    for _, m in _members(value):
        _objects(m, seen)
    return seen


def _replaced(value, before: dict, path: list, out: list) -> list:
    """The paths of members of (mutable) containers in value that are arrays, lists, dicts or layers the
    call did not receive: the function put them there in place of what was there (or added them)."""
    for key, m in _members(value):
        if _mutable(m) and id(m) not in before:
            if not isinstance(value, tuple):
                out.append(path + [key])
        else:
            _replaced(m, before, path + [key], out)
    return out


# -- the kernel's side ---------------------------------------------------------------------------

_HANDLES: dict[int, Callable] = {}   # callables the kernel returned, by the number the checker holds


def serve(target, request: dict, namespace: dict) -> dict:
    """Run one call in the kernel. target: a name in `namespace` or a handle number; request: the
    encoded {"args": [...], "kwargs": {...}}. Returns the encoded reply: the result and the arguments
    after the call, or the error the function raised, with the time the call itself took."""
    try:
        fn = _HANDLES[target] if isinstance(target, int) else namespace[target]
    except KeyError:
        return {"error": {"ename": "NameError", "evalue": f"name {target!r} is not defined", "where": ""}}
    args = decode(request["args"], in_kernel=True)
    kwargs = decode(request["kwargs"], in_kernel=True)
    before = _objects([args, kwargs], {})
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:   # NumPy's floating-point warnings, to replay
            warnings.simplefilter("always", RuntimeWarning)    # on the checker's side (RemoteFunction)
            with np.errstate(over="warn", invalid="warn", divide="warn"):
                if "repeat" in request:   # call_many: n calls with the same arguments, one round trip
                    result = [fn(*args, **kwargs) for _ in range(max(0, min(int(request["repeat"]), MAX_REPEAT)))]
                else:
                    result = fn(*args, **kwargs)
    except (Exception, SystemExit) as exc:   # (not KeyboardInterrupt: that is the grader's interrupt)
        return {"error": {"ename": type(exc).__name__, "evalue": str(exc)[:2000], "where": student_line(exc)},
                "seconds": time.perf_counter() - start}
    seconds = time.perf_counter() - start
    try:
        fp = list(dict.fromkeys(str(w.message)[:200] for w in caught
                                if issubclass(w.category, RuntimeWarning) and str(w.message).split(" ")[0] in _FP_KIND))
        replaced = _replaced(args, before, [], []) + _replaced(kwargs, before, [], [])
        return {"result": encode(result, _HANDLES), "args": encode(args, _HANDLES),
                "kwargs": encode(kwargs, _HANDLES), "seconds": seconds, "fp": fp[:20],
                "replaced": encode(replaced[:1000])}
    except WireError as exc:
        return {"error": {"ename": "TypeError", "evalue": f"the result cannot be checked: {exc}", "where": ""},
                "seconds": seconds}


def reply(target, request_json: str) -> None:
    """What the grader runs in the kernel for one call: serve it and send the reply back as a
    display_data output of type MIME (the grader keeps no other output)."""
    import json

    from IPython import get_ipython
    from IPython.display import publish_display_data
    try:
        answer = serve(target, json.loads(request_json), get_ipython().user_ns)
    except Exception as exc:   # the arguments could not be rebuilt here: a wire bug, reported as such
        answer = {"error": {"ename": "WireError", "evalue": f"{type(exc).__name__}: {exc}", "where": ""}}
    publish_display_data({MIME: json.dumps(answer)})


# -- the checker's side --------------------------------------------------------------------------

class StudentError(Exception):
    """The student's function raised an exception of a kind the checker does not know by name."""


def raise_student_error(error: dict):
    """Re-raise, on the checker's side, the exception the student's function raised in the kernel:
    a built-in exception type keeps its type (NotImplementedError means 'not done yet')."""
    ename, evalue = str(error.get("ename", "Error"))[:100], str(error.get("evalue", ""))[:2000]
    cls = getattr(builtins, ename, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)) or issubclass(cls, (StopIteration, StopAsyncIteration)):
        cls = StudentError   # (its message is shown with the original name, student_ename)
    exc = cls(evalue)
    exc.student_where = str(error.get("where", ""))[:300]
    exc.student_ename = ename
    raise exc


class RemoteFunction:
    """A student's function as the checker sees it: calling it runs it in the kernel.

    send(target, request) -> reply does the transport (the grader's worker: a kernel execute request;
    tests: `loopback`). `seconds` is the time the last call took in the kernel, which speed checks use
    instead of a wall clock that would include the transport."""

    def __init__(self, target, send: Callable, name: str | None = None):
        self.target, self.send = target, send
        self.__name__ = name or (target if isinstance(target, str) else "function")
        self.seconds = None

    def __call__(self, *args, **kwargs):
        return self._call({"args": encode(list(args)), "kwargs": encode(kwargs)}, args, kwargs)

    def call_many(self, n: int, *args, **kwargs) -> list:
        """[self(*args, **kwargs) for _ in range(n)] in the kernel, in one round trip."""
        result = self._call({"args": encode(list(args)), "kwargs": encode(kwargs), "repeat": int(n)}, args, kwargs)
        if not isinstance(result, list) or len(result) != n:
            raise WireError("the kernel did not return one result per call")
        return result

    def _call(self, request: dict, args, kwargs):
        reply = self.send(self.target, request)
        if not isinstance(reply, dict):
            raise WireError("the kernel's reply is not a dict")
        seconds = reply.get("seconds")
        self.seconds = float(seconds) if isinstance(seconds, (int, float)) and seconds >= 0 else None
        if "error" in reply:
            raise_student_error(reply["error"] if isinstance(reply["error"], dict) else {})
        for message in reply.get("fp") if isinstance(reply.get("fp"), list) else []:
            mode = np.geterr().get(_FP_KIND.get(str(message).split(" ")[0], ""), "ignore")
            if mode == "raise":      # what the same call would have raised in this process
                raise FloatingPointError(str(message)[:200])
            if mode == "warn":
                warnings.warn(str(message)[:200], RuntimeWarning, stacklevel=2)
        remote = lambda handle: RemoteFunction(handle, self.send, f"{self.__name__}(...)")  # noqa: E731
        after_args = decode(reply.get("args"), remote=remote)
        after_kwargs = decode(reply.get("kwargs"), remote=remote)
        replaced = decode(reply.get("replaced", []))
        replaced = [p for p in replaced if isinstance(p, list) and p] if isinstance(replaced, list) else []
        if isinstance(after_args, list) and len(after_args) == len(args):
            for i, (original, after) in enumerate(zip(args, after_args)):
                update(original, after, [p[1:] for p in replaced if p[0] == i])
        if isinstance(after_kwargs, dict):
            for key, original in kwargs.items():
                if key in after_kwargs:
                    update(original, after_kwargs[key], [p[1:] for p in replaced if p[0] == key])
        return decode(reply.get("result"), remote=remote)

    def __repr__(self) -> str:
        return f"<{self.__name__} in the kernel>"


def loopback(fn: Callable, name: str | None = None) -> RemoteFunction:
    """`fn` as the grader's checker would see it, without a kernel: every call crosses the wire (encode,
    decode, call, encode, decode) in this process. For tests: a check that works on loopback(answer)
    works in the grader."""
    namespace = {"fn": fn}

    def send(target, request):
        import json
        request = json.loads(json.dumps(request))   # exactly what a JSON transport delivers
        reply = serve("fn" if target == "__main__" else target, request, namespace)
        return json.loads(json.dumps(reply))

    return RemoteFunction("__main__", send, name or getattr(fn, "__name__", "function"))
