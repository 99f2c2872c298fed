"""Wrong answers for solutions/04_forward_propagation.ipynb."""
from . import WrongAnswer

NOTEBOOK = "04_forward_propagation"

WRONG = [
    WrongAnswer("dense_one", "check_dense_one", "forgot the bias",
                r"the bias is missing", sub=("f(V @ x + b)", "f(V @ x)")),
    WrongAnswer("dense_one", "check_dense_one", "transposed weights (V.T @ x)",
                r"V's rows are neurons, so V @ x", sub=("f(V @ x + b)", "f(V.T @ x + b)")),
    WrongAnswer("dense_one", "check_dense_one", "adds the bias after the activation",
                r"activation is applied before the bias", sub=("f(V @ x + b)", "f(V @ x) + b")),
    WrongAnswer("dense_one", "check_dense_one", "forgot the activation",
                r"activation f \(tanh here\) is not applied", sub=("f(V @ x + b)", "V @ x + b")),
    WrongAnswer("dense_one", "check_dense_one", "returns a (K, 1) column from a column input",
                r"has shape \(\d+, 1\), expected \(\d+,\)",
                sub=("f(V @ x + b)", "f(V @ x[:, None] + b[:, None])")),
    WrongAnswer("dense_batch", "check_dense_batch", "V @ X.T returned untransposed (rows = neurons)",
                r"rows must be samples", sub=("f(X @ V.T + b)", "f(V @ X.T + b[:, None])")),
    WrongAnswer("dense_batch", "check_dense_batch", "X @ V: uses the columns of V as neurons",
                r"the values are those of X @ V", sub=("f(X @ V.T + b)", "f(X @ V + b)")),
    WrongAnswer("dense_batch", "check_dense_batch", "forgot the bias",
                r"the bias is missing", sub=("f(X @ V.T + b)", "f(X @ V.T)")),
    WrongAnswer("dense_batch", "check_dense_batch", "a Python loop over the samples (dense_one per row)",
                r"do the whole batch with one matrix product",
                sub=("f(X @ V.T + b)", "np.stack([dense_one(x, V, b, f) for x in X])")),
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
                code=("H = X\nfor V, b, f in layers[:-1]:\n    H = dense_batch(H, V, b, f)\n"
                      "V, b, f = layers[-1]\nreturn H @ V.T + b")),
    WrongAnswer("forward", "check_forward", "applies the last activation twice",
                r"last layer's activation \(sigmoid\) is applied twice",
                code=("H = X\nfor V, b, f in layers:\n    H = dense_batch(H, V, b, f)\n"
                      "return layers[-1][2](H)")),
    WrongAnswer("count_parameters", "check_count_parameters", "counts the weights but forgets the biases",
                r"counts the weights only",
                sub=("a * b + b for", "a * b for")),
    WrongAnswer("count_parameters", "check_count_parameters", "one bias per input instead of per neuron",
                r"one bias per neuron \(per output\), not per input",
                sub=("a * b + b for", "a * b + a for")),
]
