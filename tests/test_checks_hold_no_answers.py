"""Students can read nnlib/checks/, so it must not hold their answers: copying a function from a check
module must not pass any check. Each check module's own functions are tried as the answer to every
exercise of its lecture; only thin wrappers of nnlib's public API may pass (an answer may call nnlib as
well, and the grader's review flag allows it: they give nothing away that nnlib does not)."""
import importlib
import inspect

import pytest

from nnlib import checks

# (exercise, function) -> the nnlib public API the function wraps
NNLIB_WRAPPERS = {
    ("01.predict", "_affine"): "Linear",
    ("01.mse_grad", "numeric_mse_grad"): "numeric_gradient",
    ("07.conv2d_single", "_correlate_single"): "Conv2d",
    ("07.conv2d_naive", "_conv_ref"): "Conv2d",
    ("07.conv2d_fast", "_conv_ref"): "Conv2d",
    ("08.rnn_forward", "_rnn_ref"): "RNN",
    ("08.clip_global_norm", "_nnlib_clip"): "clip_grad_norm",
    ("09.lstm_step_forward", "_step"): "LSTM",
}


def own_functions(module):
    return {name: f for name, f in vars(module).items()
            if inspect.isfunction(f) and f.__module__ == module.__name__ and not name.startswith("check_")}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # (an overflowing textbook formula, tried as an answer)
@pytest.mark.parametrize("lecture", [f"{n:02d}" for n in range(10)])
def test_no_function_of_a_check_module_passes_a_check(lecture, capsys):
    module = importlib.import_module(f"nnlib.checks.lec{lecture}")
    keys = [k for k in checks._REGISTRY if k.startswith(lecture + ".")]
    assert keys, f"no checks registered by lec{lecture}"
    passed = []
    for key in keys:
        for name, fn in own_functions(module).items():
            for seed in (1, 2):
                try:
                    checks.check(key, fn, seed=seed, quiet=True)
                except Exception:
                    break
            else:
                passed.append((key, name))
    capsys.readouterr()
    answers = [p for p in passed if p not in NNLIB_WRAPPERS]
    assert not answers, f"functions in nnlib/checks/lec{lecture}.py that are answers: {answers}"
    for (key, name), api in NNLIB_WRAPPERS.items():
        if key.startswith(lecture + "."):
            assert (key, name) in passed, f"{name} no longer passes {key}: drop it from NNLIB_WRAPPERS"
            assert api in inspect.getsource(module), f"{name} should wrap nnlib's {api}"
