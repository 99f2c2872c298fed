"""Wrong answers for solutions/03_perceptron.ipynb."""
from . import WrongAnswer

NOTEBOOK = "03_perceptron"

WRONG = [
    # sigmoid
    WrongAnswer("sigmoid", "check_sigmoid", "the textbook formula, which overflows at z = -1000",
                r"sigmoid overflows for large \|z\|", code="return 1 / (1 + np.exp(-z))"),
    WrongAnswer("sigmoid", "check_sigmoid", "sign lost: 1 / (1 + exp(z)) is sigmoid(-z)",
                r"sigmoid: sigmoid\(z\)\[[\d, ]+\] is .*, expected", code="e = np.exp(-np.abs(z))\nreturn np.where(z >= 0, e / (1 + e), 1 / (1 + e))"),
    WrongAnswer("sigmoid_derivative", "check_sigmoid", "sigma (1 + sigma) instead of sigma (1 - sigma)",
                r"sigmoid_derivative\(z\) differs from the numeric gradient", sub=("s * (1 - s)", "s * (1 + s)")),
    WrongAnswer("sigmoid_derivative", "check_sigmoid", "derivative from exp(-z) / (1 + exp(-z))^2, which overflows",
                r"sigmoid_derivative overflows for large \|z\|",
                code="return np.exp(-z) / (1 + np.exp(-z)) ** 2"),
    WrongAnswer("sigmoid_derivative", "check_sigmoid", "sigmoid as e^z / (1 + e^z) with its warnings silenced: nan at z = 1000",
                r"sigmoid_derivative: sigmoid_derivative\(z\) for z = \[-1000, -50, 0, 50, 1000\] contains nan at index \(4,\)",
                code="with np.errstate(all='ignore'):\n    e = np.exp(z)\n    s = e / (1 + e)\nreturn s * (1 - s)"),
    # tanh
    WrongAnswer("tanh", "check_tanh", "the textbook (e^z - e^-z) / (e^z + e^-z): inf / inf = nan for large |z|",
                r"tanh: tanh\(z\) for z = \[-1000, -50, 0, 50, 1000\] contains nan at index \(0,\), expected -1",
                code="return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))"),
    WrongAnswer("tanh_derivative", "check_tanh", "1 - tanh^2 with the textbook tanh: nan for large |z|",
                r"tanh_derivative: tanh_derivative\(z\) for z = \[-1000, -50, 0, 50, 1000\] contains nan",
                code="t = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))\nreturn 1 - t ** 2"),
    WrongAnswer("tanh", "check_tanh", "2 sigmoid(z) - 1, which is tanh(z / 2)",
                r"tanh: tanh\(z\)\[[\d, ]+\] is .*, expected", code="return 2 * sigmoid(z) - 1"),
    WrongAnswer("tanh_derivative", "check_tanh", "forgot the square: 1 - tanh(z)",
                r"tanh_derivative\(z\) differs from the numeric gradient",
                sub=("1 - np.tanh(z) ** 2", "1 - np.tanh(z)")),
    # relu
    WrongAnswer("relu", "check_relu", "zeroes the negative entries of z in place",
                r"relu: it modified its argument 1 in place", code="z[z < 0] = 0\nreturn z"),
    WrongAnswer("relu_derivative", "check_relu", "derivative 1 everywhere, also for negative inputs",
                r"relu_derivative\(z\) differs from the numeric gradient", code="return np.ones_like(z)"),
    WrongAnswer("relu_derivative", "check_relu", "derivative 1 at the kink z = 0 (z >= 0)",
                r"relu_derivative\(z\) at z = \[-2, -0.001, 0, 0.001, 2\]\[2\] is 1, expected 0",
                sub=("(z > 0)", "(z >= 0)")),
    WrongAnswer("relu_derivative", "check_relu", "returns the boolean mask, not floats",
                r"has dtype bool, expected a float array", sub=("(z > 0).astype(float)", "(z > 0)")),
    # leaky relu
    WrongAnswer("leaky_relu", "check_leaky_relu", "slope hard-coded to 0.01, ignoring alpha",
                r"leaky_relu: leaky_relu\(z\)\[[\d, ]+\] is .*, expected", sub=("alpha * z", "0.01 * z")),
    WrongAnswer("leaky_relu", "check_leaky_relu", "the leak applied to the positive side",
                r"leaky_relu: leaky_relu\(z\)\[[\d, ]+\] is .*, expected",
                sub=("np.where(z > 0, z, alpha * z)", "np.where(z > 0, alpha * z, z)")),
    WrongAnswer("leaky_relu_derivative", "check_leaky_relu", "derivative 0 for negative z (the ReLU's)",
                r"leaky_relu_derivative\(z\) differs from the numeric gradient",
                sub=("np.where(z > 0, 1.0, alpha)", "np.where(z > 0, 1.0, 0.0)")),
    WrongAnswer("leaky_relu_derivative", "check_leaky_relu", "slope 0.01 hard-coded, ignoring alpha",
                r"leaky_relu_derivative\(z, alpha=[\d.]+\) differs from the numeric gradient",
                sub=("np.where(z > 0, 1.0, alpha)", "np.where(z > 0, 1.0, 0.01)")),
    # elu
    WrongAnswer("elu", "check_elu", "forgot the - 1: alpha * exp(z) for negative z",
                r"elu: elu\(z\)\[[\d, ]+\] is .*, expected", sub=("np.exp(np.minimum(z, 0)) - 1", "np.exp(np.minimum(z, 0))")),
    WrongAnswer("elu_derivative", "check_elu", "alpha * e^z also for positive z",
                r"elu_derivative\(z\) differs from the numeric gradient", code="return alpha * np.exp(z)"),
    WrongAnswer("elu_derivative", "check_elu", "forgot alpha: e^z for negative z",
                r"elu_derivative\(z, alpha=[\d.]+\) differs from the numeric gradient",
                sub=("alpha * np.exp(np.minimum(z, 0))", "np.exp(np.minimum(z, 0))")),
    # neuron
    WrongAnswer("neuron", "check_neuron", "bias added after the activation",
                r"neuron output with sigmoid\[\d+\] is .*, expected", sub=("activation(X @ w + b)", "activation(X @ w) + b")),
    WrongAnswer("neuron", "check_neuron", "forgot the activation",
                r"neuron output with sigmoid\[\d+\] is .*, expected", sub=("activation(X @ w + b)", "X @ w + b")),
    WrongAnswer("neuron", "check_neuron", "returns a column (N, 1)",
                r"has shape \(\d+, 1\), expected \(\d+,\)", sub=("activation(X @ w + b)", "activation(X @ w[:, None] + b)")),
    # perceptron
    WrongAnswer("perceptron_epoch", "check_perceptron_epoch", "update with the wrong sign (y_hat - y)",
                r"perceptron_epoch: (mistakes is \d+, expected \d+|w after one epoch)",
                code=("mistakes = 0\nfor x_n, y_n in zip(X, y):\n    y_hat = 1 if x_n @ w + b > 0 else 0\n"
                      "    if y_hat != y_n:\n        w = w - lr * (y_n - y_hat) * x_n\n        b = b - lr * (y_n - y_hat)\n"
                      "        mistakes += 1\nreturn w, b, mistakes")),
    WrongAnswer("perceptron_epoch", "check_perceptron_epoch", "updates the caller's w in place (w += ...)",
                r"perceptron_epoch: it modified its argument 3 in place",
                sub=("w = w + lr * (y_n - y_hat) * x_n", "w += lr * (y_n - y_hat) * x_n")),
    WrongAnswer("perceptron_epoch", "check_perceptron_epoch",
                "vectorized over the epoch: all predictions made with the starting weights",
                r"perceptron_epoch: (mistakes is \d+, expected \d+|w after one epoch)",
                code=("y_hat = (X @ w + b > 0).astype(int)\nerr = y - y_hat\n"
                      "return w + lr * err @ X, b + lr * err.sum(), int(np.sum(err != 0))")),
    WrongAnswer("perceptron_epoch", "check_perceptron_epoch", "forgot to update the bias",
                r"perceptron_epoch: (mistakes is \d+, expected \d+|w after one epoch|b after one epoch)",
                sub=("b = b + lr * (y_n - y_hat)", "b = b")),
    # collapse
    WrongAnswer("collapse", "check_collapse", "multiplies the matrices in the wrong order (W @ Wk)",
                r"collapse: W \(3 layers with widths \[\d+, \d+, \d+, \d+\]\)\[\d+, \d+\] is .*, expected",
                sub=("W, b = Wk @ W, Wk @ b + bk", "W, b = W @ Wk, Wk @ b + bk")),
    WrongAnswer("collapse", "check_collapse", "biases just added up, not passed through later layers",
                r"collapse: b \(.*\)\[\d+\] is .*, expected", sub=("Wk @ b + bk", "b + bk")),
    WrongAnswer("collapse", "check_collapse", "keeps only the last bias",
                r"collapse: b \(.*\)\[\d+\] is .*, expected", sub=("Wk @ b + bk", "bk")),
]
