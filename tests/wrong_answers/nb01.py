"""Wrong answers for solutions/01_linear_regression.ipynb."""
from . import WrongAnswer

NOTEBOOK = "01_linear_regression"

WRONG = [
    WrongAnswer("predict", "check_predict", "forgot the bias",
                r"y_pred\[\d+\] is .*, expected", sub=("X @ w + b", "X @ w")),
    WrongAnswer("predict", "check_predict", "returns a column (N, 1) instead of (N,)",
                r"has shape \(\d+, 1\), expected \(\d+,\)", sub=("return X @ w + b", "return (X @ w + b)[:, None]")),
    WrongAnswer("mse", "check_mse", "sum instead of mean (missing 1/N)",
                r"mse: mse is .*, expected", sub=("np.mean((y_pred - y) ** 2)", "np.sum((y_pred - y) ** 2)")),
    WrongAnswer("mse", "check_mse", "returns the per-sample errors, not their mean",
                r"should be a single number, got an array", sub=("float(np.mean((y_pred - y) ** 2))", "(y_pred - y) ** 2")),
    WrongAnswer("mae", "check_mae", "forgot the absolute value",
                r"mae: mae is .*, expected", sub=("np.abs(y_pred - y)", "(y_pred - y)")),
    WrongAnswer("mse_grad", "check_mse_grad", "missing 1/N in dw",
                r"dw differs from the numeric gradient by .* worst at dw\[\d+\]",
                sub=("dw = 2 * X.T @ e / len(y)", "dw = 2 * X.T @ e")),
    WrongAnswer("mse_grad", "check_mse_grad", "sign flipped (errors as y - prediction)",
                r"dw differs from the numeric gradient", sub=("e = X @ w + b - y", "e = y - (X @ w + b)")),
    WrongAnswer("mse_grad", "check_mse_grad", "returns a list [dw, db] instead of the tuple",
                r"mse_grad should return a tuple \(dw, db\), got list of length 2",
                sub=("return dw, float(db)", "return [dw, float(db)]")),
    WrongAnswer("mse_grad", "check_mse_grad", "forgot the factor 2 in db",
                r"db differs from the numeric gradient", sub=("db = 2 * np.mean(e)", "db = np.mean(e)")),
    WrongAnswer("gd_step", "check_gd_step", "steps up the gradient instead of down",
                r"gd_step: w\[\d+\] is .*, expected", sub=("w - lr * dw, b - lr * db", "w + lr * dw, b + lr * db")),
    WrongAnswer("gd_step", "check_gd_step", "updates the caller's w in place",
                r"modified its argument 3 in place",
                code="dw, db = mse_grad(X, y, w, b)\nw -= lr * dw\nreturn w, b - lr * db"),
    WrongAnswer("train", "check_train", "records the loss after the step instead of before",
                r"losses\[0\] is .*, expected",
                code=("w, b = np.zeros(X.shape[1]), 0.0\nlosses = []\nfor _ in range(epochs):\n"
                  "    w, b = gd_step(X, y, w, b, lr)\n    losses.append(mse(predict(X, w, b), y))\n"
                  "return w, b, losses")),
    WrongAnswer("train", "check_train", "one epoch too few (off by one)",
                r"losses should hold one value per epoch", sub=("range(epochs)", "range(epochs - 1)")),
    WrongAnswer("train", "check_train", "records NaN losses: the loss of an empty slice (np.mean of nothing)",
                r"train: losses\[0\] is nan: every recorded loss must be a finite number",
                sub=("losses.append(mse(predict(X, w, b), y))", "losses.append(mse(predict(X[:0], w, b), y[:0]))")),
    WrongAnswer("train", "check_train", "ignores lr and takes huge steps (lr = 1e6): the run diverges to inf",
                r"train: losses\[\d+\] is inf: every recorded loss must be a finite number",
                sub=("w, b = gd_step(X, y, w, b, lr)", "w, b = gd_step(X, y, w, b, 1e6)")),
    WrongAnswer("closed_form", "check_closed_form", "no column of ones (no bias)",
                r"closed_form: w\[\d+\] is .*, expected",
                code="theta = np.linalg.lstsq(X, y, rcond=None)[0]\nreturn theta, 0.0"),
]
