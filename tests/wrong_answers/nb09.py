"""Wrong answers for solutions/09_lstm.ipynb."""
from . import WrongAnswer

NOTEBOOK = "09_lstm"

_GATES_IFOG = ("g = np.tanh(z[:, 2 * H:3 * H])\n    o = sigmoid(z[:, 3 * H:])",
               "o = sigmoid(z[:, 2 * H:3 * H])\n    g = np.tanh(z[:, 3 * H:])")

_FORWARD_STARTS_FROM_ZEROS = """N, T, _ = x.shape
H = h0.shape[1]
h, c = np.zeros((N, H)), np.zeros((N, H))
hs = np.empty((N, T, H))
for t in range(T):
    h, c, _ = lstm_step_forward(x[:, t], h, c, W_x, W_h, b)
    hs[:, t] = h
return hs, c"""

_FORWARD_TIME_FIRST = """h, c, states = h0, c0, []
for t in range(x.shape[1]):
    h, c, _ = lstm_step_forward(x[:, t], h, c, W_x, W_h, b)
    states.append(h)
return np.stack(states), c"""

_FORWARD_STORES_BEFORE = """N, T, _ = x.shape
h, c = h0, c0
hs = np.empty((N, T, h0.shape[1]))
for t in range(T):
    hs[:, t] = h
    h, c, _ = lstm_step_forward(x[:, t], h, c, W_x, W_h, b)
return hs, c"""

_TRAIN_RNN = """nnlib.manual_seed(seed)
H = 64
model = nnlib.Sequential(nnlib.RNN(8, H), nnlib.LastTimeStep(), nnlib.Linear(H, 4))
nnlib.fit(model, nnlib.SoftmaxCrossEntropy(), nnlib.Adam(model, lr=5e-4), X, y, epochs=10, batch_size=32,
          seed=seed, progress=False)
return model"""

WRONG = [
    # 1. the step forward
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "gates read in the order i, f, o, g",
                r"c_t\[\d+, \d+\] is .* — the values match the gates read in the order i, f, o, g: nnlib and PyTorch "
                r"stack the gates as i, f, g, o", sub=_GATES_IFOG),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "gates from every 4th column (interleaved)",
                r"gates taken from every 4th column of z",
                sub=("i = sigmoid(z[:, :H])\n    f = sigmoid(z[:, H:2 * H])\n    g = np.tanh(z[:, 2 * H:3 * H])\n"
                     "    o = sigmoid(z[:, 3 * H:])",
                     "i = sigmoid(z[:, 0::4])\n    f = sigmoid(z[:, 1::4])\n    g = np.tanh(z[:, 2::4])\n"
                     "    o = sigmoid(z[:, 3::4])")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "sigmoid on the candidate g",
                r"the values match a sigmoid on the candidate g: g = tanh\(z_g\)",
                sub=("g = np.tanh(z[:, 2 * H:3 * H])", "g = sigmoid(z[:, 2 * H:3 * H])")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "h = o * c: the tanh of the cell missing",
                r"h_t\[\d+, \d+\] is .* — h_t matches o ⊙ c_t: the tanh is missing",
                sub=("h_t = o * tanh_c", "h_t = o * c_t")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "forget gate on the candidate: i * c_prev + f * g",
                r"the forget and input gates are swapped in the cell update .*scales the OLD cell",
                sub=("c_t = f * c_prev + i * g", "c_t = i * c_prev + f * g")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "forget gate on the candidate, written f * g + ...",
                r"the forget and input gates are swapped in the cell update",
                sub=("c_t = f * c_prev + i * g", "c_t = f * g + i * c_prev")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "no input gate: c = f * c_prev + g",
                r"the input gate is missing", sub=("c_t = f * c_prev + i * g", "c_t = f * c_prev + g")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "forgot the bias",
                r"the bias b is missing", sub=("+ h_prev @ W_h.T + b", "+ h_prev @ W_h.T")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "returns (h_t, c_t) without the cache",
                r"should return a tuple \(h_t, c_t, cache\), got tuple of length 2",
                sub=("return h_t, c_t, cache", "return h_t, c_t")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_forward", "stub-like: zeros of the right shape",
                r"all of c_t is 0", code="return np.zeros_like(h_prev), np.zeros_like(c_prev), None"),
    # 2. the step backward
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "tanh derivative of the cell missing",
                r"\(numeric gradient\) — the tanh derivative of the cell is missing",
                sub=("dc = dc_t + dh_t * o * (1 - tanh_c ** 2)", "dc = dc_t + dh_t * o")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "dc_prev not multiplied by f",
                r"dc_prev\[\d+, \d+\] is .* — dc_prev is missing the factor f",
                sub=("dc_prev = dc * f", "dc_prev = dc")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "db not summed over the batch",
                r"db has shape \(\d+, \d+\), expected \(\d+,\): db was not summed over the batch",
                sub=("db = dz.sum(axis=0)", "db = dz")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "db averaged over the batch",
                r"db\[\d+\] is .* — it is the numeric gradient divided by N",
                sub=("db = dz.sum(axis=0)", "db = dz.mean(axis=0)")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "dc_t forgotten: only the path through h_t",
                r"— dc_t is missing: c_t reaches the loss twice",
                sub=("dc = dc_t + dh_t * o * (1 - tanh_c ** 2)", "dc = dh_t * o * (1 - tanh_c ** 2)")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "dW_x as x_t.T @ dz: transposed",
                r"dW_x has shape \(\d+, \d+\), expected \(\d+, \d+\): transposed",
                sub=("dW_x = dz.T @ x_t", "dW_x = x_t.T @ dz")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward",
                "sigmoid derivative of the gate value (σ applied twice)",
                r"db differs from the numeric gradient",
                sub=("di * i * (1 - i)", "di * sigmoid(i) * (1 - sigmoid(i))")),
    WrongAnswer("lstm_step_backward", "check_lstm_step_backward", "stub-like: zero gradients",
                r"dc_prev is all zeros; the numeric gradient is not",
                code=("x_t, h_prev, c_prev, W_x, W_h = cache[:5]\n"
                      "return (np.zeros_like(x_t), np.zeros_like(h_prev), np.zeros_like(c_prev), np.zeros_like(W_x), "
                      "np.zeros_like(W_h), np.zeros(W_x.shape[0]))")),
    WrongAnswer("lstm_step_forward", "check_lstm_step_backward", "keeps the activation function in the cache",
                r"the cache returned by lstm_step_forward holds a function: keep only arrays, numbers",
                sub=("cache = (x_t, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c)",
                     "cache = (x_t, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c, sigmoid)")),
    # 3. the sequence
    WrongAnswer("lstm_forward", "check_lstm_forward", "the state is not carried: every step from h0, c0",
                r"every step starts from h0 and c0: carry the state",
                sub=("lstm_step_forward(x[:, t], h, c, W_x, W_h, b)",
                     "lstm_step_forward(x[:, t], h0, c0, W_x, W_h, b)")),
    WrongAnswer("lstm_forward", "check_lstm_forward", "the initial states ignored (zeros)",
                r"the initial states h0 and c0 are ignored", code=_FORWARD_STARTS_FROM_ZEROS),
    WrongAnswer("lstm_forward", "check_lstm_forward", "stores the cell states instead of the hidden ones",
                r"hs holds the cell states c_t", sub=("hs[:, t] = h", "hs[:, t] = c")),
    WrongAnswer("lstm_forward", "check_lstm_forward", "stores the state before the step",
                r"hs\[:, t\] holds the state BEFORE step t", code=_FORWARD_STORES_BEFORE),
    WrongAnswer("lstm_forward", "check_lstm_forward", "np.stack of the states: time first (T, N, H)",
                r"hs has shape \(\d+, \d+, \d+\), expected \(N, T, H\) = .*: that is time first",
                code=_FORWARD_TIME_FIRST),
    WrongAnswer("lstm_forward", "check_lstm_forward", "returns the last hidden state instead of the cell",
                r"c_T is the final hidden state h_T; return the final CELL state",
                sub=("return hs, c", "return hs, h")),
    # 4. training
    WrongAnswer("train_long_memory", "check_train_long_memory", "a plain RNN instead of an LSTM",
                r"accuracy 0\.[0-4]\d* on 1000 fresh sequences .*chance 1/4 = 0\.25.* — a plain nnlib\.RNN: its "
                r"gradient .* vanishes", code=_TRAIN_RNN),
    WrongAnswer("train_long_memory", "check_train_long_memory", "forget_bias left at 0 (same settings otherwise)",
                r"accuracy 0\.[0-4]\d* .* — the LSTM's forget_bias is 0: the forget gate then starts near "
                r"σ\(0\) = 0\.50",
                sub=("nnlib.LSTM(8, H, forget_bias=5.0)", "nnlib.LSTM(8, H)")),
    WrongAnswer("train_long_memory", "check_train_long_memory",
                "standardizes the one-hot features: 0 / 0 where a feature is always 0",
                r"the returned model's scores contain nan for 1000 of 1000 fresh sequences: its weights hold nan",
                sub=("nnlib.manual_seed(seed)",
                     "X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardized features\n    nnlib.manual_seed(seed)")),
    WrongAnswer("train_long_memory", "check_train_long_memory", "returns fit's History instead of the model",
                r"should return the trained model .*got History",
                sub=("nnlib.fit(model,", "return nnlib.fit(model,")),
]
