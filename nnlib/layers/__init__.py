"""Layers: objects with `forward(x) -> y` and `backward(dy) -> dx`, one module per kind.

- base: Layer, Sequential, count_params
- dense: Linear, Flatten
- activations: Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softmax, LogSoftmax, Identity
- conv: Conv2d, MaxPool2d, AvgPool2d (images)
- regularization: Dropout
- recurrent: Embedding, RNN, LSTM, LastTimeStep (sequences)
"""
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .activations import ACTIVATION_LAYERS, ELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .base import Layer, Sequential, count_params
from .dense import Flatten, Linear
from .recurrent import LSTM, RNN, Embedding, LastTimeStep
from .regularization import Dropout
