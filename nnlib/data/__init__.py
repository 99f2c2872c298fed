"""Data for the course: small synthetic data sets, mini-batching, MNIST (one module each).

Text and sequence tasks for the RNN/LSTM lectures (``text``, ``sequences``): names, Tiny Shakespeare, memory tasks.

Conventions used throughout ``nnlib``:

* arrays are batch-first: ``X`` has shape ``(N, D)`` and dtype float64,
  class labels ``y`` have shape ``(N,)`` and dtype int64;
* every random function takes ``seed`` (an int) or ``rng`` (a
  ``np.random.Generator``, which wins if both are given) and is fully
  deterministic for a given seed;
* bad input raises ``ValueError`` / ``TypeError`` with a message that names
  the function, what was expected and what came.

The synthetic generators return their rows in random order (classes mixed),
so that slicing off the first rows gives a fair sample.

MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges; CC BY-SA 3.0) is
bundled in ``nnlib/datasets/mnist/`` so that the course works offline; see
``PROVENANCE.md`` there.
"""

from .batching import batches, one_hot
from .mnist import MNIST, MNIST_MD5, MNIST_MIRRORS, MNIST_SHA256, load_mnist, read_idx, verify_checksum
from .synthetic import (APARTMENT_FEATURES, XOR_TRUTH_TABLE, make_apartments, make_moons, make_rings, make_spirals,
                        make_xor)
from .sequences import make_adding, make_remember_first
from .text import TEXT_SHA256, CharVocab, load_names, load_shakespeare, sequence_windows
from .pretrained import CHAR_LSTM_PATH, WEIGHTS_DIR, load_char_lstm
