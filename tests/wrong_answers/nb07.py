"""Wrong answers for solutions/07_convolutional_networks.ipynb."""
from . import WrongAnswer

NOTEBOOK = "07_convolutional_networks"

_SHAPE_HEAD = "N, C_in, H, W = input_shape\nC_out, _, KH, KW = weight_shape\n"

_SINGLE_SHORT = """H, W = x.shape
KH, KW = k.shape
out = np.zeros((H - KH, W - KW))
for i in range(H - KH):
    for j in range(W - KW):
        out[i, j] = np.sum(x[i:i + KH, j:j + KW] * k)
return out"""

_NAIVE_CHANNELS_LAST = """N, C_out, OH, OW = conv_output_shape(x.shape, W.shape, stride, padding)
KH, KW = W.shape[2:]
xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
out = np.zeros((N, OH, OW, C_out))
for n in range(N):
    for i in range(OH):
        for j in range(OW):
            window = xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            for o in range(C_out):
                out[n, i, j, o] = np.sum(window * W[o]) + b[o]
return out"""

_NAIVE_NO_PLUS_ONE = """N, C_out = x.shape[0], W.shape[0]
    KH, KW = W.shape[2:]
    OH = (x.shape[2] + 2 * padding - KH) // stride
    OW = (x.shape[3] + 2 * padding - KW) // stride"""

_BACKWARD_PER_IMAGE_DW = """N, C_out, OH, OW = dy.shape
H, W_img = x.shape[2:]
KH, KW = W.shape[2:]
xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
windows = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
dW = np.einsum("noij,ncijuv->nocuv", dy, windows).sum(axis=1)  # summed over C_out instead of N
dxp = np.zeros_like(xp)
for u in range(KH):
    for v in range(KW):
        rows, cols = slice(u, u + stride * OH, stride), slice(v, v + stride * OW, stride)
        dxp[:, :, rows, cols] += np.einsum("noij,oc->ncij", dy, W[:, :, u, v])
db = dy.sum(axis=(0, 2, 3))
return dxp[:, :, padding:padding + H, padding:padding + W_img], dW, db"""

_FLIPPED = r"the values match a flipped kernel .*cross-correlation, like PyTorch"
_ZEROS = r"is 0\.?0?, expected .*: all of output is 0"

WRONG = [
    # 1. the output shape
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "forgot the +1",
                r"OH is \d+, one too few: the \+1 counts the first window position",
                code=_SHAPE_HEAD + "OH = (H + 2 * padding - KH) // stride\nOW = (W + 2 * padding - KW) // stride\n"
                                   "return (N, C_out, OH, OW)"),
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "padding counted once instead of on both sides",
                r"the padding was counted once, but it adds `padding` rows on BOTH sides",
                code=_SHAPE_HEAD + "OH = (H + padding - KH) // stride + 1\nOW = (W + padding - KW) // stride + 1\n"
                                   "return (N, C_out, OH, OW)"),
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "true division: float sizes",
                r"OH is \d+\.\d+, a (float|fraction): sizes must be ints\. True division / keeps the remainder; "
                r"use integer division //",
                code=_SHAPE_HEAD + "OH = (H + 2 * padding - KH) / stride + 1\n"
                                   "OW = (W + 2 * padding - KW) / stride + 1\nreturn (N, C_out, OH, OW)"),
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "rounds up (ceil) instead of down",
                r"rounded up, but a window that would stick out past the border is dropped",
                sub=("OH = (H + 2 * padding - KH) // stride + 1", "OH = -(-(H + 2 * padding - KH) // stride) + 1")),
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "the input channels instead of the kernels",
                r"C_out is \d+: that is C_in; the output has one channel per kernel",
                sub=("return (N, C_out, OH, OW)", "return (N, C_in, OH, OW)")),
    WrongAnswer("conv_output_shape", "check_conv_output_shape", "returns a list",
                r"should return a tuple \(N, C_out, OH, OW\), got list",
                sub=("return (N, C_out, OH, OW)", "return [N, C_out, OH, OW]")),
    # 2. one channel
    WrongAnswer("conv2d_single", "check_conv2d_single", "flipped kernel (a true convolution)",
                r"output\[\d+, \d+\] is .*, expected .* — " + _FLIPPED,
                sub=("* k)", "* k[::-1, ::-1])")),
    WrongAnswer("conv2d_single", "check_conv2d_single", "the row loop stops one position early",
                r"only the last output row or column is wrong: the loop stops one window position early",
                sub=("for i in range(H - KH + 1):", "for i in range(H - KH):")),
    WrongAnswer("conv2d_single", "check_conv2d_single", "output size H - KH (without the +1)",
                r"has shape \(\d+, \d+\), expected \(\d+, \d+\) .*: one window position short", code=_SINGLE_SHORT),
    WrongAnswer("conv2d_single", "check_conv2d_single", "output of the input's size",
                r"the output has shape \(\d+, \d+\), the input's, expected",
                sub=("out = np.zeros((H - KH + 1, W - KW + 1))", "out = np.zeros((H, W))")),
    WrongAnswer("conv2d_single", "check_conv2d_single", "stub-like: returns zeros of the right shape",
                _ZEROS, code="return np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))"),
    # 3. the batched loop
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "flipped kernel",
                r"output\[\d+, \d+, \d+, \d+\] is .*, expected .* — " + _FLIPPED,
                sub=("np.sum(window * W[o])", "np.sum(window * W[o, :, ::-1, ::-1])")),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "windows start at (i, j), not (i*stride, j*stride)",
                r"the windows start at \(i, j\) instead of \(i\*stride, j\*stride\)",
                sub=("xp[n, :, i * stride:i * stride + KH, j * stride:j * stride + KW]",
                     "xp[n, :, i:i + KH, j:j + KW]")),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "the row loop stops one position early",
                r"only the last output row or column is wrong", sub=("for i in range(OH):", "for i in range(OH - 1):")),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "output size without the +1",
                r"has shape .*, expected \(N, C_out, OH, OW\) = .*: one output position short",
                sub=("N, C_out, OH, OW = conv_output_shape(x.shape, W.shape, stride, padding)", _NAIVE_NO_PLUS_ONE)),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "channels-last output (N, OH, OW, C_out)",
                r"that is the channels-last layout \(N, OH, OW, C_out\)", code=_NAIVE_CHANNELS_LAST),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "forgot the bias",
                r"the bias is missing", sub=("np.sum(window * W[o]) + b[o]", "np.sum(window * W[o])")),
    WrongAnswer("conv2d_naive", "check_conv2d_naive", "stub-like: returns zeros of the right shape",
                _ZEROS, code="return np.zeros(conv_output_shape(x.shape, W.shape, stride, padding))"),
    # 4. vectorized
    WrongAnswer("conv2d_fast", "check_conv2d_fast", "kept a loop over every output pixel",
                r"conv2d_fast: it is only [\d.]+x faster than a per-pixel loop .*vectorize it",
                code="return conv2d_naive(x, W, b, stride, padding)"),
    WrongAnswer("conv2d_fast", "check_conv2d_fast", "tensordot's (N, OH, OW, C_out) returned as it is",
                r"that is the channels-last layout \(N, OH, OW, C_out\)",
                sub=("return out.transpose(0, 3, 1, 2) + b[:, None, None]", "return out + b")),
    WrongAnswer("conv2d_fast", "check_conv2d_fast", "every window position kept (stride ignored)",
                r"the stride is ignored: keep only every stride-th window position",
                sub=("windows[:, :, ::stride, ::stride]", "windows[:, :, :, :]")),
    WrongAnswer("conv2d_fast", "check_conv2d_fast", "flipped kernel",
                _FLIPPED, sub=("np.tensordot(windows, W,", "np.tensordot(windows, W[:, :, ::-1, ::-1],")),
    # 5. backward
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "the padding is not cropped off dx",
                r"dx has shape .*that is the PADDED input's shape.*crop",
                sub=("dx = dxp[:, :, padding:padding + H, padding:padding + W_img]", "dx = dxp")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "crops with p:-p, empty for padding 0",
                r"dx has shape .*it is empty: with padding = 0 the slice \[p:-p\] is \[0:0\]",
                sub=("dx = dxp[:, :, padding:padding + H, padding:padding + W_img]",
                     "dx = dxp[:, :, padding:-padding, padding:-padding]")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "db summed over the batch only",
                r"db has shape \(\d+, \d+, \d+\), expected \(\d+,\): db was summed over the batch only",
                sub=("db = dy.sum(axis=(0, 2, 3))", "db = dy.sum(axis=0)")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "db summed over the positions only",
                r"db was summed over the positions but not over the batch",
                sub=("db = dy.sum(axis=(0, 2, 3))", "db = dy.sum(axis=(2, 3))")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "dW summed over the output channels instead of the batch",
                r"dW has shape .*summed over the output channels instead of over the batch",
                code=_BACKWARD_PER_IMAGE_DW),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "dW averaged over the batch",
                r"dW\[.*\] is .* \(numeric gradient\) — it is the numeric gradient divided by N",
                sub=('np.einsum("noij,ncij->oc", dy, xp[:, :, rows, cols])',
                     'np.einsum("noij,ncij->oc", dy, xp[:, :, rows, cols]) / N')),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "dx sent back through a flipped kernel",
                r"dx is the gradient of a convolution with the FLIPPED kernel",
                sub=("W[:, :, u, v])", "W[:, :, KH - 1 - u, KW - 1 - v])")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "rows of the window not strided (stride 2 fails)",
                r"dW differs from the numeric gradient",
                sub=("rows = slice(u, u + stride * OH, stride)", "rows = slice(u, u + OH)")),
    WrongAnswer("conv2d_backward", "check_conv2d_backward", "stub-like: zero gradients",
                r"dW is all zeros; the numeric gradient is not",
                code="return np.zeros_like(x), np.zeros_like(W), np.zeros(W.shape[0])"),
    # 6. max pooling
    WrongAnswer("maxpool_forward", "check_maxpool_forward", "mean instead of max (average pooling)",
                r"the values are the window means: that is average pooling",
                sub=(".max(axis=(3, 5))", ".mean(axis=(3, 5))")),
    WrongAnswer("maxpool_forward", "check_maxpool_forward", "reshape with the inside-block axis first",
                r"maxima over pixels k apart, not over contiguous k x k blocks",
                sub=("x.reshape(N, C, H // k, k, W // k, k).max(axis=(3, 5))",
                     "x.reshape(N, C, k, H // k, k, W // k).max(axis=(2, 4))")),
    WrongAnswer("maxpool_forward", "check_maxpool_forward", "overlapping windows (stride 1)",
                r"the windows overlap \(stride 1\): with kernel k the stride is k too",
                code="return np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3)).max(axis=(4, 5))"),
    WrongAnswer("maxpool_forward", "check_maxpool_forward", "stub-like: returns zeros of the right shape",
                _ZEROS, code="return np.zeros((x.shape[0], x.shape[1], x.shape[2] // k, x.shape[3] // k))"),
    WrongAnswer("maxpool_backward", "check_maxpool_backward", "gradient sent to every element of the window",
                r"every pixel of each window received the window's gradient; only the maximum",
                sub=("is_max * dy[:, :, :, None, :, None]", "np.ones_like(blocks) * dy[:, :, :, None, :, None]")),
    WrongAnswer("maxpool_backward", "check_maxpool_backward", "gradient divided among the window's pixels",
                r"shared equally among the \dx\d pixels of each window .* backward of AVERAGE pooling",
                sub=("is_max * dy[:, :, :, None, :, None]", "dy[:, :, :, None, :, None] / (k * k) + 0 * blocks")),
    WrongAnswer("maxpool_backward", "check_maxpool_backward", "the mask without dy",
                r"dx is 1 at each maximum and 0 elsewhere: the mask is right, now multiply it by dy",
                sub=("is_max * dy[:, :, :, None, :, None]", "is_max * 1.0")),
    WrongAnswer("maxpool_backward", "check_maxpool_backward",
                "shares dy among tied maxima, counted over the wrong axes (0/0 where a position has no maximum)",
                r"dx contains nan at index \(\d+, \d+, \d+, \d+\)",
                sub=("is_max * dy[:, :, :, None, :, None]",
                     "is_max * dy[:, :, :, None, :, None] / is_max.sum(axis=(2, 4), keepdims=True)")),
    WrongAnswer("maxpool_backward", "check_maxpool_backward", "returns the gradient in dy's shape",
                r"dx has shape .*: that is dy's shape; dx has the shape of x",
                code="return dy * 1.0"),
    WrongAnswer("maxpool_backward", "check_maxpool_backward", "stub-like: zeros",
                r"dx is all zeros; the numeric gradient is not", code="return np.zeros_like(x)"),
]
