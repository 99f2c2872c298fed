"""Wrong answers for solutions/08_recurrent_networks.ipynb."""
from . import WrongAnswer

NOTEBOOK = "08_recurrent_networks"

_FORWARD_TIME_FIRST = """h, states = h0, []
for t in range(x.shape[1]):
    h = rnn_step_forward(x[:, t], h, W_xh, W_hh, b)
    states.append(h)
return np.stack(states)"""

_FORWARD_STORES_BEFORE = """N, T, D = x.shape
hs = np.zeros((N, T, W_hh.shape[0]))
h = h0
for t in range(T):
    hs[:, t] = h
    h = rnn_step_forward(x[:, t], h, W_xh, W_hh, b)
return hs"""

_CLIP_IN_PLACE = """norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
if norm > max_norm:
    for g in grads.values():
        g *= max_norm / norm
return grads, norm"""

_STORE = "clipped = {name: g * scale for name, g in grads.items()}"
_SOFTMAX = "p = nnlib.functional.softmax(logits / temperature)"

WRONG = [
    # 1. one step forward
    WrongAnswer("rnn_step_forward", "check_rnn_step_forward", "W_hh not transposed (h_prev @ W_hh)",
                r"h_t\[\d+, \d+\] is .*, expected .* — W_hh is transposed: the recurrent term is h_prev times W_hh "
                r"TRANSPOSED", sub=("h_prev @ W_hh.T", "h_prev @ W_hh")),
    WrongAnswer("rnn_step_forward", "check_rnn_step_forward", "forgot the tanh",
                r"tanh is missing: these are the pre-activations z_t",
                code="return x_t @ W_xh.T + h_prev @ W_hh.T + b"),
    WrongAnswer("rnn_step_forward", "check_rnn_step_forward", "forgot the bias",
                r"the bias b is missing", sub=(" + b)", ")")),
    WrongAnswer("rnn_step_forward", "check_rnn_step_forward", "ignores the previous state",
                r"h_prev is ignored: without the recurrent term", code="return np.tanh(x_t @ W_xh.T + b)"),
    WrongAnswer("rnn_step_forward", "check_rnn_step_forward", "sigmoid instead of tanh",
                r"that is the logistic sigmoid of the pre-activation; a simple RNN squashes with tanh",
                code="return 1 / (1 + np.exp(-(x_t @ W_xh.T + h_prev @ W_hh.T + b)))"),
    # 2. one step backward
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward",
                "tanh' as 1 - tanh(h)^2: the pre-activation formula applied to h",
                r"db\[\d+\] is .* \(numeric gradient\) — the tanh derivative was taken at h_t as if it were the "
                r"pre-activation, 1 - tanh\(h_t\)²", sub=("(1 - h_t ** 2)", "(1 - np.tanh(h_t) ** 2)")),
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward", "the sigmoid's derivative h(1 - h)",
                r"the local derivative is h_t \(1 - h_t\), the sigmoid's", sub=("(1 - h_t ** 2)", "h_t * (1 - h_t)")),
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward", "no local derivative at all (dz = dh_t)",
                r"the local derivative of tanh is missing", sub=("dh_t * (1 - h_t ** 2)", "dh_t * 1.0")),
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward", "dW_hh with h_t instead of h_prev",
                r"dW_hh\[\d+, \d+\] is .* — dW_hh was computed with h_t, the step's OUTPUT",
                sub=("dW_hh = dz.T @ h_prev", "dW_hh = dz.T @ h_t")),
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward", "dh_prev through W_hh transposed",
                r"dh_prev went back through W_hh transposed", sub=("dh_prev = dz @ W_hh", "dh_prev = dz @ W_hh.T")),
    WrongAnswer("rnn_step_backward", "check_rnn_step_backward", "db not summed over the batch",
                r"db has shape \(\d+, \d+\), expected \(\d+,\): db has one row per sample: the bias is shared by all N "
                r"samples", sub=("db = dz.sum(axis=0)", "db = dz")),
    # 3. forward over a sequence
    WrongAnswer("rnn_forward", "check_rnn_forward", "every step starts from h0 (the state is not carried)",
                r"every step started from h0: the state must be carried along",
                sub=("h = rnn_step_forward(x[:, t], h,", "h = rnn_step_forward(x[:, t], h0,")),
    WrongAnswer("rnn_forward", "check_rnn_forward", "stores the state before the step (off by one)",
                r"hs\[:, t\] holds the state BEFORE step t", code=_FORWARD_STORES_BEFORE),
    WrongAnswer("rnn_forward", "check_rnn_forward", "np.stack along axis 0: time first",
                r"has shape \(\d+, \d+, \d+\), expected .*: that is time first \(T, N, H\)", code=_FORWARD_TIME_FIRST),
    WrongAnswer("rnn_forward", "check_rnn_forward", "returns only the last state",
                r"that is one state: the function returns ALL states", sub=("return hs", "return h")),
    # 4. backpropagation through time
    WrongAnswer("rnn_backward", "check_rnn_backward", "dh not carried back (truncated to one step)",
                r"dx\[.*\] is .* \(numeric gradient\) — it matches the gradients of each step on its own, "
                r"with nothing "
                r"carried back through time", sub=("dhs[:, t] + dh_next", "dhs[:, t]")),
    WrongAnswer("rnn_backward", "check_rnn_backward", "dh0 returned as zeros",
                r"dh0 is all zeros; the numeric gradient is not .*: h0 influences every state",
                sub=("return dx, dh_next,", "return dx, np.zeros_like(h0),")),
    WrongAnswer("rnn_backward", "check_rnn_backward", "hs[:, t - 1] for every t (wraps to the last state at t = 0)",
                r"dW_hh\[.*\(numeric gradient\) — only the term of step 0 is wrong: .* hs\[:, -1\], the LAST state",
                sub=("hs[:, t - 1] if t > 0 else h0", "hs[:, t - 1]")),
    WrongAnswer("rnn_backward", "check_rnn_backward", "dW_hh paired with h_t instead of h_{t-1}",
                r"dW_hh\[.*\(numeric gradient\) — each step was paired with its own output state h_t",
                sub=("hs[:, t - 1] if t > 0 else h0", "hs[:, t]")),
    WrongAnswer("rnn_backward", "check_rnn_backward", "weight gradients overwritten instead of summed over time",
                r"dW_xh\[.*\(numeric gradient\) — it is the gradient of step 0 alone: W_xh, W_hh and b are shared "
                r"by all T steps",
                sub=("dW_xh += dW_xh_t", "dW_xh = dW_xh_t")),
    # 5. clipping
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "np.clip on every element",
                r"each ELEMENT was clipped to \[-max_norm, max_norm\] \(np.clip\)",
                sub=(_STORE, "clipped = {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "each array clipped by its own norm",
                r"each array was clipped by its OWN norm",
                sub=(_STORE, "clipped = {name: g * min(1.0, max_norm / np.sqrt(np.sum(g ** 2))) "
                             "for name, g in grads.items()}")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "always scales to max_norm (scales small gradients up)",
                r"the gradients were scaled UP to norm max_norm although their norm was already below it",
                sub=("scale = max_norm / norm if norm > max_norm else 1.0", "scale = max_norm / norm")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "returns the norm after clipping",
                r"the returned norm is .*: that is the norm AFTER clipping",
                sub=("return clipped, norm",
                     "return clipped, float(np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())))")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "global norm as the sum of the arrays' norms",
                r"that is the sum of the arrays' own norms; the global norm is the square root",
                sub=("norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))",
                     "norm = float(sum(np.sqrt(np.sum(g ** 2)) for g in grads.values()))")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "divides by the norm first: 0 / 0 for zero gradients",
                r"with all gradients 0 \(global norm 0, max_norm = [\d.]+\), clipped\['.*'\] contains nan: 0 / 0",
                sub=(_STORE, "clipped = {name: g / norm * min(norm, max_norm) for name, g in grads.items()}")),
    WrongAnswer("clip_global_norm", "check_clip_global_norm", "scales the given arrays in place",
                r"it changed the gradients it was given \(grads\['W_xh'\] was modified", code=_CLIP_IN_PLACE),
    # 6. sampling
    WrongAnswer("sample_next", "check_sample_next", "temperature multiplied instead of divided",
                r"at temperature 0\.\d.* — they match softmax\(logits \* temperature\): divide the logits",
                sub=("logits / temperature", "logits * temperature")),
    WrongAnswer("sample_next", "check_sample_next", "samples from the logits, not from their softmax",
                r"rng.choice rejected the probabilities: .*non-negative.*Logits are not probabilities",
                sub=(_SOFTMAX, "p = logits / temperature")),
    WrongAnswer("sample_next", "check_sample_next", "exp without normalising",
                r"rng.choice rejected the probabilities: [Pp]robabilities do not sum to 1",
                sub=(_SOFTMAX, "p = np.exp(logits / temperature)")),
    WrongAnswer("sample_next", "check_sample_next", "its own softmax without subtracting the max (exp overflows)",
                r"for the same logits plus \d+ \(a shift changes no probability\), rng.choice rejected the "
                r"probabilities: [Pp]robabilities contain NaN \(an exp that overflowed",
                sub=(_SOFTMAX, "p = np.exp(logits / temperature)\n    p = p / p.sum()")),
    WrongAnswer("sample_next", "check_sample_next", "always the argmax (greedy)",
                r"every draw is the id of the largest logit: that is greedy decoding",
                code="return int(np.argmax(logits))"),
    WrongAnswer("sample_next", "check_sample_next", "draws from np.random, ignoring the rng given",
                r"the rng it was given is unchanged after a draw: .*not np.random.choice",
                sub=("rng.choice(len(p), p=p)", "np.random.choice(len(p), p=p)")),
    WrongAnswer("sample_next", "check_sample_next", "draws with another method from the right rng",
                r"draw \d+ is \d+, but rng.choice\(len\(p\), p=p\) draws \d+: draw each id with exactly that one call",
                sub=("return int(rng.choice(len(p), p=p))",
                     "return int(np.argmax(rng.multinomial(1, p)))")),
]
