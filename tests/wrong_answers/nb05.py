"""Wrong answers for solutions/05_backpropagation.ipynb."""
from . import WrongAnswer

NOTEBOOK = "05_backpropagation"

_ORDER = (r"after epoch 1 the parameter '.*' differs from one SGD step per batch of batches\(X, y, batch_size, "
          r"rng=rng\), in that order")
_EPOCH_HEAD = "loss_fn = nnlib.SoftmaxCrossEntropy()\n"
_EPOCH_LOOP = ("for Xb, yb in nnlib.batches(X, y, batch_size=batch_size, rng=rng):\n"
               "    loss = loss_fn(model.forward(Xb), yb)\n    model.backward(loss_fn.backward())\n")

WRONG = [
    WrongAnswer("linear_backward", "check_linear_backward", "transposed dW (x.T @ dy)",
                r"dW has shape \(\d+, \d+\), expected \(\d+, \d+\) \(transposed\?\)", sub=("dW = dy.T @ x", "dW = x.T @ dy")),
    WrongAnswer("linear_backward", "check_linear_backward", "db as a mean over the batch (an extra 1/N)",
                r"db differs from the numeric gradient", sub=("db = dy.sum(axis=0)", "db = dy.mean(axis=0)")),
    WrongAnswer("linear_backward", "check_linear_backward", "dx computed with W.T (a square-W habit)",
                r"ValueError: matmul", sub=("dx = dy @ W", "dx = dy @ W.T")),
    WrongAnswer("relu_backward", "check_relu_backward", "mask taken from dy instead of the input x",
                r"dx differs from the numeric gradient", sub=("dy * (x > 0)", "dy * (dy > 0)")),
    WrongAnswer("relu_backward", "check_relu_backward", "returns the mask without multiplying by dy",
                r"dx differs from the numeric gradient", sub=("dy * (x > 0)", "(x > 0).astype(float)")),
    WrongAnswer("sigmoid_backward", "check_sigmoid_backward", "applies sigmoid to the output again",
                r"dx differs from the numeric gradient",
                code="t = 1 / (1 + np.exp(-s))\nreturn dy * t * (1 - t)"),
    WrongAnswer("sigmoid_backward", "check_sigmoid_backward", "forgot to multiply by dy",
                r"dx differs from the numeric gradient", sub=("dy * s * (1 - s)", "s * (1 - s)")),
    WrongAnswer("softmax_ce_backward", "check_softmax_ce_backward", "missing 1/N",
                r"dlogits differs from the numeric gradient", sub=(") / len(labels)", ")")),
    WrongAnswer("softmax_ce_backward", "check_softmax_ce_backward", "sign flip (onehot - P)",
                r"dlogits differs from the numeric gradient",
                sub=("(P - nnlib.one_hot(labels, logits.shape[1]))", "(nnlib.one_hot(labels, logits.shape[1]) - P)")),
    WrongAnswer("softmax_ce_backward", "check_softmax_ce_backward", "softmax without subtracting the row max",
                r"dlogits for logits around \d+ to \d+ .*: dlogits\[\d+, \d+\] is nan\. np\.exp of such logits "
                r"overflows to inf",
                code=("P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
                      "return (P - nnlib.one_hot(labels, logits.shape[1])) / len(labels)")),
    WrongAnswer("grad_check", "check_grad_check", "forward difference instead of central difference",
                r"differs from the exact gradient by .* central difference",
                code=("x = x.astype(np.float64)\ngrad = np.zeros_like(x)\nf0 = f(x)\nfor i in np.ndindex(x.shape):\n"
                      "    old = x[i]\n    x[i] = old + h\n    grad[i] = (f(x) - f0) / h\n    x[i] = old\nreturn grad")),
    WrongAnswer("grad_check", "check_grad_check", "divides by h instead of 2h",
                r"differs from the exact gradient", sub=("/ (2 * h)", "/ h")),
    WrongAnswer("grad_check", "check_grad_check", "perturbs the caller's x and never restores it",
                r"modified its argument 2 in place",
                code=("grad = np.zeros_like(x)\nfor i in np.ndindex(x.shape):\n    old = x[i]\n    x[i] = old + h\n"
                      "    plus = f(x)\n    x[i] = old - h\n    grad[i] = (plus - f(x)) / (2 * h)\nreturn grad")),
    WrongAnswer("sgd_step", "check_sgd_step", "rebinds the dict entry instead of updating the array",
                r"was replaced by a new array",
                code="for k in params:\n    params[k] = params[k] - lr * grads[k]"),
    WrongAnswer("sgd_step", "check_sgd_step", "steps up the gradient (sign flip)",
                r"params\['.*'\]\[.*\] is .*, expected", sub=("p -= lr * grads[k]", "p += lr * grads[k]")),
    WrongAnswer("sgd_step", "check_sgd_step", "returns the params dict instead of None",
                r"should update the arrays in place and return None",
                code="for k, p in params.items():\n    p -= lr * grads[k]\nreturn params"),
    WrongAnswer("train_epoch", "check_train_epoch", "forgot to shuffle",
                _ORDER, sub=("nnlib.batches(X, y, batch_size=batch_size, rng=rng)",
                             "nnlib.batches(X, y, batch_size=batch_size, shuffle=False)")),
    WrongAnswer("train_epoch", "check_train_epoch", "ignores the rng it is given (its own fixed seed)",
                _ORDER, sub=("nnlib.batches(X, y, batch_size=batch_size, rng=rng)",
                             "nnlib.batches(X, y, batch_size=batch_size, seed=0)")),
    WrongAnswer("train_epoch", "check_train_epoch", "plain mean of batch losses (last batch over-weighted)",
                r"the mean loss of epoch 1 is .*, expected",
                code=("loss_fn = nnlib.SoftmaxCrossEntropy()\nlosses = []\n"
                      "for Xb, yb in nnlib.batches(X, y, batch_size=batch_size, rng=rng):\n"
                      "    losses.append(loss_fn(model.forward(Xb), yb))\n    model.backward(loss_fn.backward())\n"
                      "    sgd_step(model.params, model.grads, lr)\nreturn float(np.mean(losses))")),
    WrongAnswer("train_epoch", "check_train_epoch", "the batch losses never collected: np.mean([]) is nan",
                r"with one batch \(batch_size = N = \d+\), after the epoch the returned mean loss is nan: np\.mean of "
                r"an empty list",
                code=_EPOCH_HEAD + "losses = []\n" + _EPOCH_LOOP + "    sgd_step(model.params, model.grads, lr)\n"
                     "return float(np.mean(losses))"),
    WrongAnswer("train_epoch", "check_train_epoch", "no update: backward without the SGD step",
                r"with one batch .* the parameters are unchanged: after model.backward\(\.\.\.\) take the SGD step",
                code=_EPOCH_HEAD + "total = 0.0\n" + _EPOCH_LOOP + "    total += loss * len(Xb)\nreturn total / len(X)"),
    WrongAnswer("train_epoch", "check_train_epoch", "its own update, up the gradient (p += lr * g)",
                r"every parameter moved UP the gradient \(\+lr \* gradient\)",
                code=_EPOCH_HEAD + "total = 0.0\n" + _EPOCH_LOOP + "    for _, p, g in model.params_and_grads():\n"
                     "        p += lr * g\n    total += loss * len(Xb)\nreturn total / len(X)"),
    WrongAnswer("two_layer_backward", "check_two_layer_backward", "left the bug in (tanh derivative from z1)",
                r"dW1 differs from the numeric gradient", sub=("dz1 = da1 * (1 - a1 ** 2)", "dz1 = da1 * (1 - z1 ** 2)")),
    WrongAnswer("two_layer_backward", "check_two_layer_backward", "fixed the bug by dropping the tanh derivative",
                r"dW1 differs from the numeric gradient", sub=("dz1 = da1 * (1 - a1 ** 2)", "dz1 = da1")),
    WrongAnswer("two_layer_backward", "check_two_layer_backward", "missing 1/N",
                r"dW2 differs from the numeric gradient", sub=(") / len(y)", ")")),
    WrongAnswer("momentum_step", "check_momentum_step", "the velocity subtracts the gradient (v = momentum * v - g)",
                r"v_new is minus the expected velocity", sub=("v_new = momentum * v + g", "v_new = momentum * v - g")),
    WrongAnswer("momentum_step", "check_momentum_step", "steps up along the velocity (p + lr * v)",
                r"p moved UP by lr \* v", sub=("p_new = p - lr * v_new", "p_new = p + lr * v_new")),
    WrongAnswer("momentum_step", "check_momentum_step", "the learning rate folded into the velocity",
                r"v_new is lr times the expected velocity", code="v_new = momentum * v + lr * g\nreturn p - v_new, v_new"),
    WrongAnswer("momentum_step", "check_momentum_step", "no momentum: the velocity is just the gradient",
                r"at step 2 of \d+, .*v_new\[.*\] is .*, expected .*momentum times the velocity you were given",
                sub=("v_new = momentum * v + g", "v_new = g")),
    WrongAnswer("momentum_step", "check_momentum_step", "steps with the old velocity",
                r"p_new\[.*\] is .*, expected .*The step uses the NEW velocity",
                code="v_new = momentum * v + g\nreturn p - lr * v, v_new"),
    WrongAnswer("momentum_step", "check_momentum_step", "updates the velocity in place",
                r"modified its argument 3 \(v\) in place", code="v *= momentum\nv += g\nreturn p - lr * v, v"),
    WrongAnswer("adam_step", "check_adam_step", "no bias correction",
                r"your step matches Adam WITHOUT bias correction",
                code="m_new = beta1 * m + (1 - beta1) * g\nv_new = beta2 * v + (1 - beta2) * g ** 2\n"
                     "return p - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new"),
    WrongAnswer("adam_step", "check_adam_step", "bias correction with t counted from 0 (t - 1)",
                r"at step t = 1 of \d+, .*, p_new\[.*\] is (nan|-?inf)\. A division by zero\? .*not t - 1",
                code="m_new = beta1 * m + (1 - beta1) * g\nv_new = beta2 * v + (1 - beta2) * g ** 2\n"
                     "m_hat = m_new / (1 - beta1 ** (t - 1))\nv_hat = v_new / (1 - beta2 ** (t - 1))\n"
                     "return p - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new"),
    WrongAnswer("adam_step", "check_adam_step", "bias correction with t + 1",
                r"your step matches a bias correction with t \+ 1 instead of t",
                code="m_new = beta1 * m + (1 - beta1) * g\nv_new = beta2 * v + (1 - beta2) * g ** 2\n"
                     "m_hat = m_new / (1 - beta1 ** (t + 1))\nv_hat = v_new / (1 - beta2 ** (t + 1))\n"
                     "return p - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new"),
    WrongAnswer("adam_step", "check_adam_step", "no square root of v_hat",
                r"your step divides by v_hat \+ eps instead of its square root",
                sub=("np.sqrt(v_hat) + eps", "v_hat + eps")),
    WrongAnswer("adam_step", "check_adam_step", "eps inside the square root",
                r"your step has eps inside the square root", sub=("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)")),
    WrongAnswer("adam_step", "check_adam_step", "steps up the gradient",
                r"your step moved UP the gradient", sub=("p_new = p - lr", "p_new = p + lr")),
    WrongAnswer("adam_step", "check_adam_step", "returns the bias-corrected means as the new state",
                r"m_new is the bias-corrected m", sub=("return p_new, m_new, v_new", "return p_new, m_hat, v_hat")),
    WrongAnswer("adam_step", "check_adam_step", "the second moment from g instead of g squared",
                r"v_new\[.*\] is .*, expected .*running mean of the squared gradients",
                sub=("(1 - beta2) * g ** 2", "(1 - beta2) * g")),
    WrongAnswer("adam_step", "check_adam_step", "updates m and v in place",
                r"modified its argument 3 \(m\) in place",
                code="m *= beta1\nm += (1 - beta1) * g\nv *= beta2\nv += (1 - beta2) * g ** 2\n"
                     "return p - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v"),
]
