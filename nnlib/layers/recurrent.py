"""Layers for sequences (N, T, D), batch first like PyTorch's `batch_first=True`: x[n, t] is sample n at time t.

- Embedding: integer token ids (N, T) -> vectors (N, T, dim)
- RNN: h_t = tanh(x_t W_xhᵀ + h_{t-1} W_hhᵀ + b)
- LSTM: gates i, f, g, o in PyTorch's order; c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t)
- LastTimeStep: (N, T, H) -> (N, H), e.g. Sequential(LSTM(8, 32), LastTimeStep(), Linear(32, 4))

Each step of an RNN needs the state of the step before, so RNN and LSTM loop over time, but never over
samples: a step is one matrix product for the whole batch. Whatever does not depend on the previous
state is taken out of the loop: the input projections of all N*T steps are one matrix product in forward,
and dx and the weight gradients one matrix product each in backward, after the loop. Inside, time is the
first axis (T, N, ...), PyTorch's own default layout: the slice of step t, z[t], is then one contiguous
(N, ...) block, and the previous states of all steps are simply hs[:-1]. The outputs are handed back batch
first, as transposed views (no copy).

RNN and LSTM return all hidden states (N, T, H) and keep the final ones in `h_n` (and `c_n`), so they fit
in a Sequential; PyTorch returns them as a tuple instead. PyTorch has two biases b_ih + b_hh that only
ever appear summed; nnlib keeps one b (to copy into PyTorch: b_ih = b, b_hh = 0).
"""
from __future__ import annotations

import numpy as np

from ..init import get_initializer, global_rng
from ..validate import as_float_array, check_ndim, shape_str
from .base import Layer


class Embedding(Layer):
    """A lookup table: token id k -> row k of W, a learned vector of length `dim`.

    idx: integers in 0..num_embeddings-1 of any shape, e.g. (N, T) -> y: (N, T, dim) = W[idx].
    W: (num_embeddings, dim), initialized N(0, 1) like PyTorch.
    backward(dy) fills grads["W"] and returns None: there is no gradient with respect to integer
    indices, so an Embedding is the first layer of a network.
    """

    def __init__(self, num_embeddings: int, dim: int, rng=None, dtype=np.float64):
        super().__init__()
        for name, v in (("num_embeddings", num_embeddings), ("dim", dim)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Embedding: {name} must be a positive int, got {v!r}")
        self.num_embeddings, self.dim = int(num_embeddings), int(dim)
        rng = global_rng() if rng is None else np.random.default_rng(rng)
        self.params["W"] = rng.standard_normal((self.num_embeddings, self.dim)).astype(dtype)

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.dim})"

    def forward(self, idx) -> np.ndarray:
        # Overrides Layer.forward, which would convert the indices to floats.
        idx, V = np.asarray(idx), self.num_embeddings
        if idx.dtype.kind not in "iu":
            fix = " Convert them with idx.astype(int)." if idx.dtype.kind in "fb" else ""
            raise TypeError(f"{self!r}.forward expects integer indices (token ids in 0..{V - 1}), "
                            f"got dtype {idx.dtype}.{fix}")
        bad = np.flatnonzero((idx < 0) | (idx >= V))
        if bad.size:
            where = np.unravel_index(bad[0], idx.shape)
            raise ValueError(f"{self!r}.forward: index {idx[where]} at position {tuple(int(i) for i in where)} "
                             f"is out of range; indices must be in 0..{V - 1} (num_embeddings={V}).")
        y = self.params["W"][idx]  # fancy indexing copies: one row of W per index
        self._x, self._y = idx, y
        return y

    def _backward(self, dy):
        idx, W = self._x, self.params["W"]
        V, E = W.shape
        # dW[k] sums dy over every position holding token k. A token can occur many times, so this is a
        # scatter-add (dW[idx] += dy would keep only one of the repeats). Element (k, j) of dW is k*E + j
        # of the flattened dW: numpy's np.add.at is several times faster on 1-D arrays than on rows.
        flat = (idx.reshape(-1, 1).astype(np.intp) * E + np.arange(E)).ravel()  # (N*T*E,)
        dW = np.zeros(V * E, dtype=W.dtype)
        np.add.at(dW, flat, dy.reshape(-1).astype(W.dtype, copy=False))  # (N, T, E) -> (N*T*E,)
        self.grads["W"] = dW.reshape(V, E)
        return None


class LastTimeStep(Layer):
    """(N, T, H) -> (N, H): the output of the last time step, to classify whole sequences.

    backward puts dy into the last step of a zero array (N, T, H): earlier outputs did not reach the loss.
    """

    def _check_input(self, x):
        check_ndim(x, 3, repr(self), "(N, T, H)")
        if x.shape[1] == 0:
            raise ValueError(f"{self!r}: the input has no time steps (shape {shape_str(x.shape)})")

    def _forward(self, x):
        return x[:, -1].copy()

    def _backward(self, dy):
        dx = np.zeros_like(self._x, dtype=dy.dtype)
        dx[:, -1] = dy
        return dx


class _Recurrent(Layer):
    """What RNN and LSTM share: sizes, initial weights, and the checks of x, the states and dy."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int, got {v!r}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.h_n = None

    def _initial_weights(self, n_gates, init, rng, dtype):
        """W_x (G, D), W_h (G, H), b (G,) with G = n_gates * H."""
        D, H = self.input_size, self.hidden_size
        rng = global_rng() if rng is None else np.random.default_rng(rng)
        G = n_gates * H  # the gates' weights are stacked: one matrix product computes all of them
        if init is None:  # PyTorch's default: every weight and bias uniform in (-1/sqrt(H), 1/sqrt(H))
            limit = 1.0 / np.sqrt(H)
            W_x, W_h, b = (rng.uniform(-limit, limit, size=s) for s in ((G, D), (G, H), (G,)))
        else:
            init = get_initializer(init)
            W_x, W_h, b = init((G, D), rng), init((G, H), rng), np.zeros(G)
        return tuple(np.asarray(p, dtype=dtype) for p in (W_x, W_h, b))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size} -> {self.hidden_size})"

    def _check_input(self, x):
        D = self.input_size
        if x.ndim == 3 and x.shape[2] == D and x.shape[1] > 0:
            return
        hint = ""
        if x.ndim == 2 and x.shape[1] == D:
            hint = (f" It looks like (N, D) without the time axis; for sequences of length 1 pass "
                    f"x[:, None, :] (shape {shape_str((x.shape[0], 1, D))}).")
        elif x.ndim == 3 and x.shape[1] == 0:
            hint = " It has no time steps (T = 0)."
        elif x.ndim == 3 and x.shape[1] == D:
            hint = " It looks like (N, D, T) with time last; pass x.transpose(0, 2, 1)."
        elif x.ndim == 3:
            hint = f" Each time step has {x.shape[2]} features but the layer was built for {D}."
        raise ValueError(f"{self!r} expects input of shape (N, T, {D}) (batch first: x[n, t] is sample n at "
                         f"time t), got {shape_str(x.shape)}.{hint}")

    def _initial_state(self, s, name, x):
        """s: (N, H) or None (zeros), checked and cast to x's dtype; never modified."""
        N, T, H = x.shape[0], x.shape[1], self.hidden_size
        if s is None:
            return np.zeros((N, H), dtype=x.dtype)
        s = as_float_array(s, f"{self!r}.forward", name)
        if s.shape != (N, H):
            hint = ""
            if s.shape == (1, N, H):
                hint = f" PyTorch's states have shape (num_layers, N, H); pass {name}[0]."
            elif s.shape == (T, H):
                hint = (" Its first axis matches x's second: is x time first (T, N, D)? nnlib is batch first; "
                        "pass x.transpose(1, 0, 2).")
            raise ValueError(f"{self!r}.forward: {name} has shape {shape_str(s.shape)}, expected (N, H) = "
                             f"{shape_str((N, H))}: one state per sample of x.{hint}")
        return s.astype(x.dtype, copy=False)

    def _check_dy(self, dy, **state_grads):
        """Layer.backward's checks for dy, plus the optional gradients into the final states (None: zeros).
        Returns dy and the state gradients in the dtype of the forward pass."""
        if self._y is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: run forward(x) first, "
                               "backward needs the values that forward caches.")
        y = self._y
        dy = as_float_array(dy, f"{self!r}.backward", "dy")
        if dy.shape != y.shape:
            hint = ""
            if dy.ndim == 3 and dy.shape == (y.shape[1], y.shape[0], y.shape[2]):
                hint = " It looks time first (T, N, H); nnlib is batch first: pass dy.transpose(1, 0, 2)."
            raise ValueError(f"{self!r}.backward: dy has shape {shape_str(dy.shape)}, expected "
                             f"{shape_str(y.shape)} (N, T, H), the shape of this layer's last output.{hint}")
        out = [dy.astype(y.dtype, copy=False)]
        N, H = y.shape[0], y.shape[2]
        for name, g in state_grads.items():
            if g is None:
                out.append(np.zeros((N, H), dtype=y.dtype))
                continue
            g = as_float_array(g, f"{self!r}.backward", name)
            if g.shape != (N, H):
                raise ValueError(f"{self!r}.backward: {name} has shape {shape_str(g.shape)}, expected "
                                 f"(N, H) = {shape_str((N, H))}, the shape of the final state.")
            out.append(g.astype(y.dtype, copy=False))
        return out


class RNN(_Recurrent):
    """A simple (Elman) recurrent layer: h_t = tanh(x_t W_xhᵀ + h_{t-1} W_hhᵀ + b), t = 0..T-1.

    x: (N, T, D) -> y: (N, T, H), all hidden states; the final one is also `self.h_n` (N, H).
    W_xh: (H, D), W_hh: (H, H), b: (H,).
    forward(x, h0=None): h0 (N, H) is the state before the first step, zeros if None.
    backward(dy, dh_n=None) -> dx (N, T, D), backpropagation through time; dh_n (N, H) is an extra
    gradient flowing into the final state; the gradient w.r.t. h0 is `self.dh0` (N, H).
    `init=None` is PyTorch's default: every weight and bias uniform in (-1/sqrt(H), 1/sqrt(H)). A name
    ('xavier', ...) or a function (shape, rng) -> array, as for Linear, initializes W_xh and W_hh; b = 0.
    """

    def __init__(self, input_size: int, hidden_size: int, init=None, rng=None, dtype=np.float64):
        super().__init__(input_size, hidden_size)
        W_xh, W_hh, b = self._initial_weights(1, init, rng, dtype)
        self.params.update(W_xh=W_xh, W_hh=W_hh, b=b)
        self.dh0 = None

    def forward(self, x, h0=None) -> np.ndarray:
        x = as_float_array(x, f"{self!r}.forward")
        self._check_input(x)
        h0 = self._initial_state(h0, "h0", x)
        y = self._forward(x, h0)
        self._x, self._y, self._h0 = x, y, h0
        return y

    def backward(self, dy, dh_n=None) -> np.ndarray:
        dy, dh_n = self._check_dy(dy, dh_n=dh_n)
        return self._backward(dy, dh_n)

    def _forward(self, x, h0):
        (N, T, D), H = x.shape, self.hidden_size
        W_xh, W_hh, b = (self.params[k].astype(x.dtype, copy=False) for k in ("W_xh", "W_hh", "b"))
        W_hh_T = np.ascontiguousarray(W_hh.T)  # once, not at every step: BLAS is faster on a contiguous operand
        x_tn = x.transpose(1, 0, 2).reshape(T * N, D)  # (N, T, D) -> (T, N, D) -> (T*N, D): time first (a copy)
        # The input part of every step does not depend on h: one product for all T*N rows.
        a = x_tn @ W_xh.T  # (T*N, D) @ (D, H) -> (T*N, H)
        a += b
        a = a.reshape(T, N, H)  # (T*N, H) -> (T, N, H); a[t] is the pre-activation of step t
        hs = np.empty((T, N, H), dtype=x.dtype)
        h = h0
        for t in range(T):
            a[t] += h @ W_hh_T
            h = np.tanh(a[t], out=hs[t])
        self._x_tn, self.h_n = x_tn, h
        return hs.transpose(1, 0, 2)  # (T, N, H) -> (N, T, H): batch first again (a view, no copy)

    def _backward(self, dy, dh_n):
        (N, T, D), H = self._x.shape, self.hidden_size
        W_xh, W_hh = (self.params[k].astype(dy.dtype, copy=False) for k in ("W_xh", "W_hh"))
        hs, dy = self._y.transpose(1, 0, 2), dy.transpose(1, 0, 2)  # (N, T, H) -> (T, N, H), time first
        dz = np.empty_like(hs)  # (T, N, H): the gradient w.r.t. each step's pre-activation
        dh = dh_n
        for t in reversed(range(T)):
            dh = dh + dy[t]  # h_t feeds the output y_t and the next step: the two gradients add
            np.multiply(dh, 1 - hs[t] ** 2, out=dz[t])  # tanh' = 1 - tanh²
            dh = dz[t] @ W_hh
        self.dh0 = dh
        # The weights are shared over time, so their gradient is a sum over t (and n): one product each.
        # Step t pairs dz[t] with h_{t-1}: that is dz[1:] with hs[:-1], and dz[0] with h0.
        dz_flat = dz.reshape(T * N, H)  # (T, N, H) -> (T*N, H)
        dW_hh = dz[1:].reshape(-1, H).T @ hs[:-1].reshape(-1, H) + dz[0].T @ self._h0
        self.grads["W_xh"] = (dz_flat.T @ self._x_tn).astype(self.params["W_xh"].dtype, copy=False)
        self.grads["W_hh"] = dW_hh.astype(self.params["W_hh"].dtype, copy=False)
        self.grads["b"] = dz_flat.sum(axis=0).astype(self.params["b"].dtype, copy=False)
        return (dz_flat @ W_xh).reshape(T, N, D).transpose(1, 0, 2)  # (T*N, D) -> (T, N, D) -> (N, T, D)


class LSTM(_Recurrent):
    """Long short-term memory, gates in PyTorch's order i, f, g, o. For t = 0..T-1:

        z = x_t W_xᵀ + h_{t-1} W_hᵀ + b, split into 4 blocks of H: z_i, z_f, z_g, z_o
        i = σ(z_i) input gate, f = σ(z_f) forget gate, g = tanh(z_g) candidate, o = σ(z_o) output gate
        c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)

    x: (N, T, D) -> y: (N, T, H), all hidden states; the final ones are `self.h_n`, `self.c_n` (N, H).
    W_x: (4H, D), W_h: (4H, H), b: (4H,), the gates stacked in the order i, f, g, o.
    forward(x, state=None): state = (h0, c0), each (N, H), or None for zeros.
    backward(dy, dh_n=None, dc_n=None) -> dx (N, T, D); dh_n, dc_n (N, H) are extra gradients flowing into
    the final states; the gradients w.r.t. h0 and c0 are `self.dh0`, `self.dc0` (N, H).
    After forward, `self.gates` = {"i": (N, T, H), "f": ..., "g": ..., "o": ...} holds the gate activations
    and `self.cells` (N, T, H) the cell states.
    `forget_bias` is added to b[H:2H], the forget gate's bias: 0 by default as in PyTorch; 1 is a common
    choice (f starts near σ(1) = 0.73, so the cell keeps more than it forgets), and lecture 09 shows that
    larger values matter for long memory. `init` as for RNN (None: PyTorch's uniform(-1/sqrt(H), 1/sqrt(H))).
    """

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float = 0.0, init=None, rng=None,
                 dtype=np.float64):
        super().__init__(input_size, hidden_size)
        W_x, W_h, b = self._initial_weights(4, init, rng, dtype)
        H = self.hidden_size
        b[H:2 * H] += forget_bias
        self.params.update(W_x=W_x, W_h=W_h, b=b)
        self.forget_bias = forget_bias
        self.c_n = self.dh0 = self.dc0 = self.gates = self.cells = None

    def forward(self, x, state=None) -> np.ndarray:
        x = as_float_array(x, f"{self!r}.forward")
        self._check_input(x)
        if state is not None and not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError(f"{self!r}.forward: state must be a pair (h0, c0) of (N, H) arrays or None, "
                            f"got {type(state).__name__}")
        h0, c0 = (None, None) if state is None else state
        h0, c0 = self._initial_state(h0, "h0", x), self._initial_state(c0, "c0", x)
        y = self._forward(x, h0, c0)
        self._x, self._y, self._h0, self._c0 = x, y, h0, c0
        return y

    def backward(self, dy, dh_n=None, dc_n=None) -> np.ndarray:
        dy, dh_n, dc_n = self._check_dy(dy, dh_n=dh_n, dc_n=dc_n)
        return self._backward(dy, dh_n, dc_n)

    def _forward(self, x, h0, c0):
        (N, T, D), H = x.shape, self.hidden_size
        W_x, W_h, b = (self.params[k].astype(x.dtype, copy=False) for k in ("W_x", "W_h", "b"))
        W_h_T = np.ascontiguousarray(W_h.T)  # once, not at every step: BLAS is faster on a contiguous operand
        x_tn = x.transpose(1, 0, 2).reshape(T * N, D)  # (N, T, D) -> (T, N, D) -> (T*N, D): time first (a copy)
        # The input part of every gate at every step does not depend on h: one product for all T*N rows.
        z = x_tn @ W_x.T  # (T*N, D) @ (D, 4H) -> (T*N, 4H)
        z += b
        z = z.reshape(T, N, 4 * H)  # (T*N, 4H) -> (T, N, 4H)
        # σ(z) = (1 + tanh(z/2)) / 2, so one tanh over all 4H columns gives all four gates: halve the
        # columns of i, f, o before it and move them from (-1, 1) to (0, 1) after it; g is tanh itself.
        # Like nnlib.functional.sigmoid it never overflows, and it makes forward twice as fast as calling
        # that function on each gate (its exp-and-where form costs more per step than the matrix product).
        half = np.full(4 * H, 0.5, dtype=x.dtype)
        half[2 * H:3 * H] = 1.0  # (4H,): 0.5 for i, f, o; 1 for g
        shift = 1.0 - half
        cells, tanh_c, hs = (np.empty((T, N, H), dtype=x.dtype) for _ in range(3))
        h, c = h0, c0
        for t in range(T):
            a = z[t]  # (N, 4H): the pre-activations of step t, gates i, f, g, o side by side ...
            a += h @ W_h_T
            a *= half  # ... replaced in place by the activations
            np.tanh(a, out=a)
            a *= half
            a += shift
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            c = np.add(f * c, i * g, out=cells[t])
            h = np.multiply(o, np.tanh(c, out=tanh_c[t]), out=hs[t])
        self._x_tn, self._acts, self._cells, self._tanh_c = x_tn, z, cells, tanh_c  # z now holds i, f, g, o
        self.gates = {k: z[..., j * H:(j + 1) * H].transpose(1, 0, 2) for j, k in enumerate("ifgo")}  # views
        self.cells = cells.transpose(1, 0, 2)
        self.h_n, self.c_n = h, c
        return hs.transpose(1, 0, 2)  # (T, N, H) -> (N, T, H): batch first again (a view, no copy)

    def _backward(self, dy, dh_n, dc_n):
        (N, T, D), H = self._x.shape, self.hidden_size
        W_x, W_h = (self.params[k].astype(dy.dtype, copy=False) for k in ("W_x", "W_h"))
        acts, cells, tanh_c = self._acts, self._cells, self._tanh_c  # time first: (T, N, 4H), (T, N, H) x 2
        hs, dy = self._y.transpose(1, 0, 2), dy.transpose(1, 0, 2)  # (N, T, H) -> (T, N, H)
        # The local derivatives need no gradient from later steps: compute them for all steps at once.
        local = acts * (1 - acts)  # (T, N, 4H): σ' = σ(1 - σ) for i, f, o ...
        local[..., 2 * H:3 * H] = 1 - acts[..., 2 * H:3 * H] ** 2  # ... and tanh' = 1 - tanh² for g
        dc_from_h = acts[..., 3 * H:] * (1 - tanh_c ** 2)  # (T, N, H): ∂h_t/∂c_t = o ⊙ tanh'(c_t)
        dz = np.empty_like(acts)  # (T, N, 4H): the gradient w.r.t. each step's pre-activations
        dh, dc = dh_n, dc_n
        for t in reversed(range(T)):
            a = acts[t]  # (N, 4H): i, f, g, o of step t
            i, f, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H]
            c_prev = cells[t - 1] if t > 0 else self._c0
            dh = dh + dy[t]  # h_t feeds the output y_t and the next step: the two gradients add
            dc = dc + dh * dc_from_h[t]  # likewise c_t feeds h_t = o ⊙ tanh(c_t) and c_{t+1}
            d = dz[t]  # first the gradients w.r.t. the activations i, f, g, o ...
            np.multiply(dc, g, out=d[:, :H])  # c_t = f ⊙ c_{t-1} + i ⊙ g
            np.multiply(dc, c_prev, out=d[:, H:2 * H])
            np.multiply(dc, i, out=d[:, 2 * H:3 * H])
            np.multiply(dh, tanh_c[t], out=d[:, 3 * H:])  # h_t = o ⊙ tanh(c_t)
            d *= local[t]  # ... then through the activations
            dh = d @ W_h
            dc = dc * f  # ∂c_t/∂c_{t-1} = f: the path along which the gradient need not vanish
        self.dh0, self.dc0 = dh, dc
        # The weights are shared over time, so their gradient is a sum over t (and n): one product each.
        # Step t pairs dz[t] with h_{t-1}: that is dz[1:] with hs[:-1], and dz[0] with h0.
        dz_flat = dz.reshape(T * N, 4 * H)  # (T, N, 4H) -> (T*N, 4H)
        dW_h = dz[1:].reshape(-1, 4 * H).T @ hs[:-1].reshape(-1, H) + dz[0].T @ self._h0
        self.grads["W_x"] = (dz_flat.T @ self._x_tn).astype(self.params["W_x"].dtype, copy=False)
        self.grads["W_h"] = dW_h.astype(self.params["W_h"].dtype, copy=False)
        self.grads["b"] = dz_flat.sum(axis=0).astype(self.params["b"].dtype, copy=False)
        return (dz_flat @ W_x).reshape(T, N, D).transpose(1, 0, 2)  # (T*N, D) -> (T, N, D) -> (N, T, D)
