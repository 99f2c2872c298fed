"""nnlib: the small, vectorized NumPy neural-network library of "Neural Networks from Scratch".

Everything a notebook needs is importable from the top level:

    from nnlib import Sequential, Linear, ReLU, SoftmaxCrossEntropy, SGD, fit, load_mnist
"""
from . import functional, init
from .data import (CharVocab, batches, load_char_lstm, load_mnist, load_names, load_shakespeare, make_adding,
                   make_apartments, make_moons, make_remember_first, make_rings, make_spirals, make_xor, one_hot,
                   sequence_windows)
from .gradcheck import check_layer, check_loss, compare_gradients, numeric_gradient, numeric_gradient_array, rel_error
from .init import manual_seed
from .layers import (ELU, LSTM, RNN, AvgPool2d, Conv2d, Dropout, Embedding, Flatten, Identity, LastTimeStep, Layer,
                     LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU, Sequential, Sigmoid, Softmax, Tanh, count_params)
from .losses import BCELoss, BCEWithLogitsLoss, MAELoss, MSELoss, SoftmaxCrossEntropy
from .model import History, accuracy, evaluate, fit, predict
from .optim import SGD, Adam, RMSProp, clip_grad_norm

__version__ = "0.1.0"

# Submodules that pull in heavier packages (matplotlib, ipywidgets, nbformat) load on first use,
# so `import nnlib` stays fast and `nnlib.viz.show_weights(...)` works without a separate import.
_LAZY_SUBMODULES = {"viz", "widgets", "checks", "course"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'nnlib' has no attribute {name!r}")
