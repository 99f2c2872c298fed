"""The wire between the grader's checker and a student's kernel (nnlib/course/wire.py): plain data
only, in-place changes copied back, the student's exceptions and NumPy warnings re-raised faithfully."""
import json

import numpy as np
import pytest

from nnlib import Linear, Sequential, Tanh
from nnlib.checks import NotDone, check
from nnlib.course import wire


def roundtrip(value):
    return wire.decode(json.loads(json.dumps(wire.encode(value))), in_kernel=True)


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", (1, "a"), [1, [2, (3,)]], {"a": 1, 2: "b"},
    np.float32(2.5), np.int64(7), np.array(3.0), np.zeros((2, 0)), np.arange(6, dtype=np.int8).reshape(2, 3),
    np.array([True, False]), np.array(["ab", "c"]),
])
def test_plain_data_crosses_unchanged(value):
    back = roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    else:
        assert back == value


def test_non_finite_floats_and_generators_cross():
    back = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert np.isnan(back[0]) and back[1:] == [float("inf"), -float("inf")]
    rng = np.random.default_rng(5)
    assert roundtrip(rng).random() == np.random.default_rng(5).random()


def test_layers_cross_with_their_parameters():
    net = Sequential(Linear(3, 4, rng=0), Tanh())
    back = roundtrip(net)
    x = np.ones((2, 3))
    assert type(back) is Sequential and np.array_equal(back.forward(x), net.forward(x))


def test_nothing_executable_crosses_from_the_kernel():
    with pytest.raises(wire.WireError):
        wire.encode(object())                                   # the checker sends only data
    with pytest.raises(wire.WireError):
        wire.decode({"portable": "lambda: 0", "captured": {"dict": []}})   # checker side: never evaluated
    with pytest.raises(wire.WireError):
        wire.decode({"layer": "Report", "state": {"dict": []}})   # only nnlib's layers are rebuilt
    with pytest.raises(wire.WireError, match="cannot be set"):
        wire.decode({"layer": "Linear", "state": {"dict": [["forward", 1]]}})
    deep = 0
    for _ in range(100):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested"):
        wire.decode(deep)
    obj_array = np.array([object()])
    with pytest.raises(wire.WireError, match="dtype object"):
        wire.encode(obj_array)


def test_a_call_changes_the_callers_arguments_as_in_process():
    def student(a, rng, net, f):
        a += 1                                                # in place
        net.layers[0].params["W"] = net.layers[0].params["W"] * 0
        return rng.normal(size=2), f(np.ones(3)), (lambda z: 2 * z)

    a, rng, net = np.zeros(3), np.random.default_rng(0), Sequential(Linear(2, 3, rng=0), Tanh())
    draws, value, returned = wire.loopback(student)(a, rng, net, wire.Portable("lambda x: np.sum(x * c)", c=2.0))
    assert np.array_equal(a, np.ones(3)) and not np.any(net.layers[0].params["W"])
    assert np.array_equal(draws, np.random.default_rng(0).normal(size=2))
    assert rng.random() == (lambda g: (g.normal(size=2), g.random())[1])(np.random.default_rng(0))
    assert value == 6.0
    assert isinstance(returned, wire.RemoteFunction) and np.array_equal(returned(np.arange(3)), [0, 2, 4])


def test_exceptions_keep_their_kind_and_place():
    def stub(y_pred, y):
        raise NotImplementedError("Hint: average")

    def broken(y_pred, y):
        return y_pred @ np.ones(7)

    with pytest.raises(NotDone, match="not implemented yet"):
        check("01.mse", wire.loopback(stub, "mse"))
    with pytest.raises(ValueError) as info:
        check("01.mse", wire.loopback(broken, "mse"))
    assert "return y_pred @ np.ones(7)" in info.value.student_where


def test_numpy_warnings_are_replayed_under_the_checkers_error_state():
    def naive(z):
        return 1 / (1 + np.exp(-z))

    remote = wire.loopback(naive)
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match="overflow encountered in exp"):
            remote(np.array([-1000.0]))
    with np.errstate(over="ignore"):
        assert remote(np.array([-1000.0]))[0] == 0.0


def test_replacing_a_member_is_not_the_same_as_changing_it_in_place():
    def rebinds(params):
        params["W"] = params["W"] - 1          # a new array: the caller's old one is untouched

    def in_place(params):
        params["W"] -= 1

    for fn, same_object in ((rebinds, False), (in_place, True)):
        params = {"W": np.ones(3)}
        old = params["W"]
        wire.loopback(fn)(params)
        assert np.array_equal(params["W"], np.zeros(3)) and (params["W"] is old) == same_object
        assert np.array_equal(old, np.zeros(3) if same_object else np.ones(3))


def test_call_many_is_n_calls_in_one_round_trip():
    sends = []
    remote = wire.loopback(lambda p, rng: int(rng.choice(len(p), p=p)))
    inner = remote.send
    remote.send = lambda target, request: sends.append(1) or inner(target, request)
    p, rng = np.array([0.2, 0.5, 0.3]), np.random.default_rng(3)
    ids = remote.call_many(50, p, rng)
    reference = np.random.default_rng(3)
    assert ids == [int(reference.choice(3, p=p)) for _ in range(50)] and len(sends) == 1
    assert rng.random() == reference.random()   # the caller's rng moved on by the 50 draws
