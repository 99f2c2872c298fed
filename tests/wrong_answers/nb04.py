"""Wrong answers for solutions/04_forward_propagation.ipynb."""
from . import WrongAnswer

NOTEBOOK = "04_forward_propagation"

WRONG = [
    WrongAnswer("dense_one", "check_dense_one", "forgot the bias",
                r"the bias is missing", sub=("f(W @ x + b)", "f(W @ x)")),
    WrongAnswer("dense_one", "check_dense_one", "transposed weights (W.T @ x)",
                r"W's rows are neurons, so W @ x", sub=("f(W @ x + b)", "f(W.T @ x + b)")),
    WrongAnswer("dense_one", "check_dense_one", "adds the bias after the activation",
                r"activation is applied before the bias", sub=("f(W @ x + b)", "f(W @ x) + b")),
    WrongAnswer("dense_one", "check_dense_one", "forgot the activation",
                r"activation f \(tanh here\) is not applied", sub=("f(W @ x + b)", "W @ x + b")),
    WrongAnswer("dense_one", "check_dense_one", "returns a (K, 1) column from a column input",
                r"has shape \(\d+, 1\), expected \(\d+,\)",
                sub=("f(W @ x + b)", "f(W @ x[:, None] + b[:, None])")),
    WrongAnswer("dense_batch", "check_dense_batch", "W @ X.T returned untransposed (rows = neurons)",
                r"rows must be samples", sub=("f(X @ W.T + b)", "f(W @ X.T + b[:, None])")),
    WrongAnswer("dense_batch", "check_dense_batch", "X @ W: uses the columns of W as neurons",
                r"the values are those of X @ W", sub=("f(X @ W.T + b)", "f(X @ W + b)")),
    WrongAnswer("dense_batch", "check_dense_batch", "forgot the bias",
                r"the bias is missing", sub=("f(X @ W.T + b)", "f(X @ W.T)")),
    WrongAnswer("dense_batch", "check_dense_batch", "a Python loop over the samples (dense_one per row)",
                r"do the whole batch with one matrix product",
                sub=("f(X @ W.T + b)", "np.stack([dense_one(x, W, b, f) for x in X])")),
    WrongAnswer("softmax", "check_softmax", "normalises over the wrong axis (columns)",
                r"row \d+ sums to .*, not 1.*its columns do",
                code=("E = np.exp(Z - Z.max(axis=0, keepdims=True))\n"
                      "return E / E.sum(axis=0, keepdims=True)")),
    WrongAnswer("softmax", "check_softmax", "naive softmax without subtracting the max (overflow)",
                r"logits of size 1000 softmax returns nan/inf",
                code="E = np.exp(Z)\nreturn E / E.sum(axis=1, keepdims=True)"),
    WrongAnswer("softmax", "check_softmax", "subtracts the global max instead of each row's (underflow to 0/0)",
                r"logits of size 1000 softmax returns nan/inf",
                code="E = np.exp(Z - Z.max())\nreturn E / E.sum(axis=1, keepdims=True)"),
    WrongAnswer("softmax", "check_softmax", "divides by the sum of the whole batch",
                r"row \d+ sums to .*, not 1",
                code="E = np.exp(Z - Z.max(axis=1, keepdims=True))\nreturn E / E.sum()"),
    WrongAnswer("forward", "check_forward", "no activation on the last layer",
                r"last layer's activation \(sigmoid\) is not applied",
                code=("A = X\nfor W, b, f in layers[:-1]:\n    A = dense_batch(A, W, b, f)\n"
                      "W, b, f = layers[-1]\nreturn A @ W.T + b")),
    WrongAnswer("forward", "check_forward", "applies the last activation twice",
                r"last layer's activation \(sigmoid\) is applied twice",
                code=("A = X\nfor W, b, f in layers:\n    A = dense_batch(A, W, b, f)\n"
                      "return layers[-1][2](A)")),
    WrongAnswer("count_parameters", "check_count_parameters", "counts the weights but forgets the biases",
                r"counts the weights only",
                sub=("n_in * n_out + n_out for", "n_in * n_out for")),
    WrongAnswer("count_parameters", "check_count_parameters", "one bias per input instead of per neuron",
                r"one bias per neuron \(per output\), not per input",
                sub=("n_in * n_out + n_out for", "n_in * n_out + n_in for")),
]
