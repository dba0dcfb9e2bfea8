"""The oracle: a checked network run directly with torch functions, no generated source.

A second backend, written independently of codegen, so that the two can be
compared: given the same tensors, the module `archlang.build` makes and this
interpreter must compute the same outputs. Parameter counts say nothing
about a forward pass; two forwards that agree do.

The interpreter owns its own account of which tensors each layer holds and
in which order (`layout`): the rows' order, and within a layer a fixed order
per kind. That account must match the built module's `state_dict` entry for
entry, so the comparison also checks the order the built module registers
its tensors in, which is what loading weights by structure relies on.
Evaluation mode only: dropout passes values through, batch norm uses its
running statistics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .checker.checked import Aside, Branched, CheckedNetwork, Group, Layer, Row
from .joins import body_end, layer_scale_shape
from .layers import TABLES, bn_settings, window_of
from .nodes import Node, Visitor
from .units import Shape
from .window_kinds import CPB_HIDDEN, padded, shifts

Opts = Mapping[str, Any]
Tensors = list[torch.Tensor]
#: A kind's rule: the input, the layer, its tensors in layout order -> the output.
Apply = Callable[[torch.Tensor, Layer, Tensors], torch.Tensor]


# ---- which tensors each layer holds -------------------------------------------------------


def _bn(channels: int) -> list[tuple[str, Shape]]:
    return [("bn.weight", (channels,)), ("bn.bias", (channels,)), ("bn.running_mean", (channels,)),
            ("bn.running_var", (channels,)), ("bn.num_batches_tracked", ())]


def _conv_layout(o: Opts, x: Shape, y: Shape) -> list[tuple[str, Shape]]:
    kernel = _kernel(o, x)
    out = [("weight", (o["filters"], x[0] // o["groups"], *kernel))]
    return out + ([("bias", (o["filters"],))] if o["bias"] else [])


def _fc_layout(o: Opts, x: Shape, y: Shape) -> list[tuple[str, Shape]]:
    return [("weight", (o["out"], x[0]))] + ([("bias", (o["out"],))] if o["bias"] else [])


def _local_layout(o: Opts, x: Shape, y: Shape) -> list[tuple[str, Shape]]:
    taps = x[0] * math.prod(_kernel(o, x))
    out = [("weight", (math.prod(y[1:]), taps, o["filters"]))]
    return out + ([("bias", (o["filters"], *y[1:]))] if o["bias"] else [])


def _partial_groups(o: Opts) -> list[tuple[int, list[int]]]:
    """Output maps grouped by how many inputs they see, widths ascending: the helper's grouped convs."""
    table = TABLES[o["table"]]
    return [(w, [j for j, row in enumerate(table) if len(row) == w]) for w in sorted({len(r) for r in table})]


def _partial_layout(o: Opts, x: Shape, y: Shape) -> list[tuple[str, Shape]]:
    out: list[tuple[str, Shape]] = []
    for width, maps in _partial_groups(o):
        out.append(("weight", (len(maps), width, *_kernel(o, x))))
        if o["bias"]:
            out.append(("bias", (len(maps),)))
    return out


def _kernel(o: Opts, x: Shape) -> tuple[int, ...]:
    return window_of(o, x, "layer").kernel


LAYOUTS: dict[str, Callable[[Opts, Shape, Shape], list[tuple[str, Shape]]]] = {
    "conv": _conv_layout,
    "fc": _fc_layout,
    "local": _local_layout,
    "partialconv": _partial_layout,
    "subsample": lambda o, x, y: [("weight", (x[0],)), ("bias", (x[0],))],
    "batchnorm": lambda o, x, y: [(name.removeprefix("bn."), shape) for name, shape in _bn(x[0])],
    "posbias": lambda o, x, y: [("bias", x)],
    "embed": lambda o, x, y: [("weight", (o["vocab"], o["dim"]))],
    "rbf": lambda o, x, y: [("prototypes", (o["out"], x[0]))],
    "layernorm": lambda o, x, y: [("weight", (x[0],)), ("bias", (x[0],))],
    "pointwise": _fc_layout,
    "patchembed": lambda o, x, y: [("class_token", (1, 1, o["dim"])), ("weight", (o["dim"], x[0], o["patch"], o["patch"])),
                                   ("bias", (o["dim"],)), ("pos_embedding", (1, y[1], o["dim"]))],
    "attention": lambda o, x, y: [("in_proj_weight", (3 * x[0], x[0])), ("in_proj_bias", (3 * x[0],)),
                                  ("out_proj.weight", (x[0], x[0])), ("out_proj.bias", (x[0],))],
    "windowattention": lambda o, x, y: _window_attention_layout(o, x),
    "patchmerge": lambda o, x, y: [("reduction.weight", (y[0], 4 * x[0])),
                                   *[(f"norm.{r}", ((2 if o["v2"] else 4) * x[0],)) for r in ("weight", "bias")]],
    "partitionattention": lambda o, x, y: [
        ("relative_position_bias_table", ((2 * o["size"] - 1) ** 2, o["heads"])),
        ("relative_position_index", (o["size"] ** 2, o["size"] ** 2)), ("to_qkv.weight", (3 * x[0], x[0])),
        ("to_qkv.bias", (3 * x[0],)), ("merge.weight", (x[0], x[0])), ("merge.bias", (x[0],))],
    "add": lambda o, x, y: ([("layer_scale", layer_scale_shape(y))] if o.get("scale") is not None else [])
    + ([("norm.weight", (y[0],)), ("norm.bias", (y[0],))] if o.get("postnorm") is not None else []),
}


def _window_attention_layout(o: Opts, x: Shape) -> list[tuple[str, Shape]]:
    """torchvision's order: the module's parameters, its buffers, then qkv, proj (and V2's MLP)."""
    c, heads, side = x[0], o["heads"], 2 * o["window"] - 1
    index = ("relative_position_index", (o["window"] ** 4,))
    projections = [("qkv.weight", (3 * c, c)), ("qkv.bias", (3 * c,)), ("proj.weight", (c, c)), ("proj.bias", (c,))]
    if not o["v2"]:
        return [("relative_position_bias_table", (side * side, heads)), index, *projections]
    mlp = [("cpb_mlp.0.weight", (CPB_HIDDEN, 2)), ("cpb_mlp.0.bias", (CPB_HIDDEN,)), ("cpb_mlp.2.weight", (heads, CPB_HIDDEN))]
    return [("logit_scale", (heads, 1, 1)), ("relative_coords_table", (1, side, side, 2)), index, *projections, *mlp]


def layer_layout(layer: Layer) -> list[tuple[str, Shape]]:
    """The tensors a built layer holds, in order: its own, then its batch norm's."""
    rule = LAYOUTS.get(layer.kind.name)
    out = rule(layer.opts, layer.in_shape, layer.out_shape) if rule else []
    if layer.opts.get("bn"):
        out += _bn(layer.out_shape[0])
    return out


def layout(network: CheckedNetwork) -> list[tuple[str, str, Shape]]:
    """Every tensor of the built network in state_dict order: (row name, role, shape)."""
    return [(row.name, role, shape) for row in network.rows for role, shape in layer_layout(row.layer)]


# ---- what each kind computes --------------------------------------------------------------


def _conv(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    o, w = layer.opts, window_of(layer.opts, layer.in_shape, "conv")
    conv = F.conv1d if x.dim() == 3 else F.conv2d
    return conv(x, t[0], t[1] if o["bias"] else None, w.stride, w.pad, w.dilation, o["groups"])


def _fc(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    return F.linear(x, t[0], t[1] if layer.opts["bias"] else None)


def _local(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """Each output position: its own matrix times the window it sees (a
    1-D signal is an image of height 1)."""
    w, spatial = window_of(layer.opts, layer.in_shape, "local"), layer.out_shape[1:]
    flat = x.dim() == 3
    image = x.unsqueeze(2) if flat else x
    wide = (lambda values, fill: (fill, *values)) if flat else (lambda values, fill: tuple(values))
    windows = F.unfold(image, wide(w.kernel, 1), dilation=wide((w.dilation,) * len(w.kernel), 1),
                       padding=wide(w.pad, 0), stride=wide(w.stride, 1))
    by_position = windows.permute(2, 0, 1).contiguous()  # strided slices made each product 300 times slower
    outputs = [by_position[p] @ t[0][p] for p in range(by_position.shape[0])]
    y = torch.stack(outputs, 2).reshape(x.shape[0], layer.opts["filters"], *spatial)
    return y + t[1] if layer.opts["bias"] else y


def _pool(kind: str) -> Apply:
    def apply(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
        w = window_of(layer.opts, layer.in_shape, kind)
        two = x.dim() == 4
        args = (w.kernel, w.stride, w.pad)
        if kind in ("maxpool", "minpool"):
            maximum: Callable[..., torch.Tensor] = F.max_pool2d if two else F.max_pool1d
            sign = -1 if kind == "minpool" else 1
            return sign * maximum(sign * x, *args, ceil_mode=w.ceil)
        mean: Callable[..., torch.Tensor] = F.avg_pool2d if two else F.avg_pool1d
        if kind == "l2pool":  # the L2 norm of each window: sqrt(sum of squares)
            return torch.sqrt(mean(x * x, *args, ceil_mode=w.ceil) * math.prod(w.kernel))
        return mean(x, *args, ceil_mode=w.ceil)

    return apply


def _subsample(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    w = window_of(layer.opts, layer.in_shape, "subsample")
    pool = F.avg_pool2d if x.dim() == 4 else F.avg_pool1d
    sums = pool(x, w.kernel, w.stride, w.pad, ceil_mode=w.ceil) * math.prod(w.kernel)
    shape = (1, -1) + (1,) * (x.dim() - 2)
    return sums * t[0].view(shape) + t[1].view(shape)


def _adaptive_avg(x: torch.Tensor, layer: Layer) -> torch.Tensor:
    """The mean over each of PyTorch's adaptive windows, summed out by hand
    (window i of n inputs to o outputs: floor(i*n/o) to ceil((i+1)*n/o)), so
    that the oracle does not reuse the function the built module calls."""
    for d, o in enumerate(layer.out_shape[1:], start=2):
        n = x.shape[d]
        parts = [x.narrow(d, i * n // o, -(-(i + 1) * n // o) - i * n // o).mean(d, keepdim=True) for i in range(o)]
        x = torch.cat(parts, d)
    return x


def _batchnorm(x: torch.Tensor, t: Tensors, eps: float) -> torch.Tensor:
    return F.batch_norm(x, t[2], t[3], t[0], t[1], training=False, eps=eps)


def _partial(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """The full convolution with the unconnected weights held at zero."""
    o, table = layer.opts, TABLES[layer.opts["table"]]
    kernel = _kernel(o, layer.in_shape)
    weight = x.new_zeros((len(table), layer.in_shape[0], *kernel))
    bias = x.new_zeros(len(table)) if o["bias"] else None
    tensors = iter(t)
    for _, maps in _partial_groups(o):
        group = next(tensors)
        group_bias = next(tensors) if o["bias"] else None
        for k, j in enumerate(maps):
            weight[j, list(table[j])] = group[k]
            if bias is not None and group_bias is not None:
                bias[j] = group_bias[k]
    w = window_of(o, layer.in_shape, "partialconv")
    conv = F.conv1d if x.dim() == 3 else F.conv2d
    return conv(x, weight, bias, w.stride, w.pad, w.dilation)


def _rbf(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    return ((x.unsqueeze(1) - t[0].unsqueeze(0)) ** 2).sum(2)


def _zeropad(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    stride = layer.opts["stride"]
    picked = x[(slice(None), slice(None)) + (slice(None, None, stride),) * (x.dim() - 2)]
    extra = layer.out_shape[0] - layer.in_shape[0]
    zeros = picked.new_zeros((picked.shape[0], extra, *picked.shape[2:]))
    return torch.cat([picked, zeros], 1)


def _maxout(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    pieces = layer.opts["pieces"]
    return x.reshape(x.shape[0], x.shape[1] // pieces, pieces, *x.shape[2:]).max(2).values


def _shuffle(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    groups = layer.opts["groups"]
    return x.reshape(x.shape[0], groups, x.shape[1] // groups, *x.shape[2:]).transpose(1, 2).flatten(1, 2)


def _channel_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    """A layer norm over the channels at each position: channels last, normalised, moved back."""
    return F.layer_norm(x.movedim(1, -1), (x.shape[1],), weight, bias, eps).movedim(-1, 1)


def _layernorm(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    return _channel_norm(x, t[0], t[1], layer.opts["eps"])


def _pointwise(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    return F.linear(x.movedim(1, -1), t[0], t[1] if layer.opts["bias"] else None).movedim(-1, 1)


def _patchembed(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    patches = F.conv2d(x, t[1], t[2], stride=layer.opts["patch"]).flatten(2)
    first = t[0].reshape(1, -1, 1).expand(x.shape[0], -1, -1)
    return torch.cat([first, patches], 2) + t[3][0].t()


def _attention(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """softmax(QK^T / sqrt(d)) V per head, written out: the heads' outputs side by side, projected."""
    heads, (n, d, length) = layer.opts["heads"], x.shape
    q, k, v = F.linear(x.transpose(1, 2), t[0], t[1]).chunk(3, -1)
    split = [a.reshape(n, length, heads, d // heads).transpose(1, 2) for a in (q, k, v)]
    weights = torch.softmax(split[0] @ split[1].transpose(-1, -2) / math.sqrt(d // heads), -1)
    joined = (weights @ split[2]).transpose(1, 2).reshape(n, length, d)
    return F.linear(joined, t[2], t[3]).transpose(1, 2)


def _offset_bias(layer: Layer, t: Tensors) -> torch.Tensor:
    """Each head's bias for each pair (i, j) of a window's tokens, looked up by
    their offset (dy, dx) from the coordinates (the index buffer is not read):
    (heads, W^2, W^2)."""
    o, win = layer.opts, layer.opts["window"]
    if o["v2"]:  # Swin V2: the table is the MLP of the (given) coordinates, squashed to (0, 16)
        hidden = F.relu(F.linear(t[1].reshape(-1, 2), t[7], t[8]))
        table = F.linear(hidden, t[9])
    else:
        table = t[0]
    bias = table[_offsets(win)].permute(2, 0, 1)
    return 16 * torch.sigmoid(bias) if o["v2"] else bias


def _offsets(side: int) -> torch.Tensor:
    """For each pair (i, j) of a side x side window's tokens, the row of the bias
    table for their offset (dy, dx): (dy + side - 1)(2 side - 1) + dx + side - 1."""
    at = torch.arange(side * side)
    dy = (at // side)[:, None] - (at // side)[None, :] + side - 1
    dx = (at % side)[:, None] - (at % side)[None, :] + side - 1
    return dy * (2 * side - 1) + dx


def _per_head(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int,
              scores: Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Each head's softmax(scores(head, q_h, k_h)) v_h, written out head by head, side by side."""
    d = q.shape[-1] // heads
    outs = []
    for head in range(heads):
        qh, kh, vh = (a[:, :, head * d:(head + 1) * d] for a in (q, k, v))
        outs.append(torch.softmax(scores(head, qh, kh), -1) @ vh)
    return torch.cat(outs, -1)


def _window_attention(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """Window by window over the zero-padded, rolled map: each head's
    softmax(scores + bias + mask) V, where the mask is -100 between tokens
    of which only one came round the roll (per side), then the projection."""
    o, (n, c, h, w) = layer.opts, x.shape
    win, heads, d = o["window"], o["heads"], c // o["heads"]
    size = (padded(h, win), padded(w, win))
    shift = shifts(o, layer.in_shape)
    grid = x.new_zeros(n, c, *size)
    grid[:, :, :h, :w] = x
    grid = grid.roll((-shift[0], -shift[1]), (2, 3))
    weight, qkv_bias, proj_weight, proj_bias = (t[3], t[4], t[5], t[6]) if o["v2"] else (t[2], t[3], t[4], t[5])
    bias = _offset_bias(layer, t)
    qkv_biases = (qkv_bias[:c], None if o["v2"] else qkv_bias[c:2 * c], qkv_bias[2 * c:])  # no key bias in Swin V2
    out = torch.empty_like(grid)
    for top in range(0, size[0], win):
        for left in range(0, size[1], win):
            tokens = grid[:, :, top:top + win, left:left + win].flatten(2).transpose(1, 2)
            q, k, v = (F.linear(tokens, weight[i * c:(i + 1) * c], qkv_biases[i]) for i in range(3))
            wrapped = [torch.arange(start, start + win) >= full - s
                       for start, full, s in ((top, size[0], shift[0]), (left, size[1], shift[1]))]
            rows, cols = wrapped[0].repeat_interleave(win), wrapped[1].repeat(win)
            apart = (rows[:, None] != rows[None, :]) | (cols[:, None] != cols[None, :])
            mask = torch.where(apart, -100.0, 0.0)

            def scores(head: int, qh: torch.Tensor, kh: torch.Tensor, mask: torch.Tensor = mask) -> torch.Tensor:
                if o["v2"]:
                    scale = t[0][head].clamp(max=math.log(100.0)).exp()
                    cosine = F.normalize(qh, dim=-1) @ F.normalize(kh, dim=-1).transpose(1, 2)
                    return cosine * scale + bias[head] + mask
                return qh @ kh.transpose(1, 2) / math.sqrt(d) + bias[head] + mask

            joined = F.linear(_per_head(q, k, v, heads, scores), proj_weight, proj_bias)
            out[:, :, top:top + win, left:left + win] = joined.transpose(1, 2).reshape(n, c, win, win)
    return out.roll(shift, (2, 3))[:, :, :h, :w]


def _patchmerge(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """The 2x2 neighbours' channels side by side (rows first within a column), normalised and reduced."""
    grid = F.pad(x, (0, x.shape[3] % 2, 0, x.shape[2] % 2))
    merged = torch.cat([grid[:, :, dy::2, dx::2] for dx in (0, 1) for dy in (0, 1)], 1).movedim(1, -1)
    if layer.opts["v2"]:
        reduced = F.linear(merged, t[0])
        return F.layer_norm(reduced, (reduced.shape[-1],), t[1], t[2]).movedim(-1, 1)
    return F.linear(F.layer_norm(merged, (merged.shape[-1],), t[1], t[2]), t[0]).movedim(-1, 1)


def _partition_attention(x: torch.Tensor, layer: Layer, t: Tensors) -> torch.Tensor:
    """Partition by partition, by pixel coordinates: a block's rows are top..top+P-1, a grid's
    g, g + H/P, ... (columns alike); each head's softmax(q k^T / sqrt(C) + bias) v, where the bias is
    looked up by the offset (dy, dx) of the two positions (the index buffer is not read)."""
    o, (n, c, h, w) = layer.opts, x.shape
    p, heads = o["size"], o["heads"]
    bias = t[0][_offsets(p)].permute(2, 0, 1)
    out = torch.empty_like(x)
    steps = (h // p, w // p)
    for first_row in range(steps[0]):
        for first_col in range(steps[1]):
            if o["grid"]:
                rows, cols = first_row + steps[0] * torch.arange(p), first_col + steps[1] * torch.arange(p)
            else:
                rows, cols = first_row * p + torch.arange(p), first_col * p + torch.arange(p)
            tokens = x[:, :, rows[:, None], cols[None, :]].flatten(2).transpose(1, 2)
            q, k, v = (F.linear(tokens, t[2][i * c:(i + 1) * c], t[3][i * c:(i + 1) * c]) for i in range(3))
            joined = F.linear(_per_head(q, k, v, heads, lambda head, qh, kh: qh @ kh.transpose(1, 2) / math.sqrt(c)
                                        + bias[head]), t[4], t[5])
            out[:, :, rows[:, None], cols[None, :]] = joined.transpose(1, 2).reshape(n, c, p, p)
    return out


def _activation(function: Callable[..., torch.Tensor], *names: str) -> Apply:
    return lambda x, layer, t: function(x, *(layer.opts[n] for n in names))


APPLY: dict[str, Apply] = {
    "conv": _conv,
    "fc": _fc,
    "local": _local,
    "maxpool": _pool("maxpool"),
    "avgpool": _pool("avgpool"),
    "minpool": _pool("minpool"),
    "l2pool": _pool("l2pool"),
    "gap": lambda x, layer, t: x.mean(tuple(range(2, x.dim()))),
    "gmp": lambda x, layer, t: x.amax(tuple(range(2, x.dim()))),
    "adaptiveavgpool": lambda x, layer, t: _adaptive_avg(x, layer),
    "droppath": lambda x, layer, t: x,  # evaluation mode: stochastic depth passes values through
    "flatten": lambda x, layer, t: x.reshape(x.shape[0], -1),
    "dropout": lambda x, layer, t: x,
    "lrn": lambda x, layer, t: F.local_response_norm(x, layer.opts["size"], layer.opts["alpha"],
                                                     layer.opts["beta"], layer.opts["k"]),
    "batchnorm": lambda x, layer, t: _batchnorm(x, t, layer.opts["eps"]),
    "posbias": lambda x, layer, t: x + t[0],
    "embed": lambda x, layer, t: F.embedding(x, t[0]).transpose(1, 2),
    "partialconv": _partial,
    "subsample": _subsample,
    "rbf": _rbf,
    "zeropad": _zeropad,
    "relu": _activation(F.relu),
    "leakyrelu": _activation(F.leaky_relu, "slope"),
    "elu": _activation(F.elu, "alpha"),
    "tanh": _activation(torch.tanh),
    "sigmoid": _activation(torch.sigmoid),
    "softmax": lambda x, layer, t: torch.softmax(x, 1),
    "relu6": _activation(F.relu6),
    "silu": _activation(F.silu),
    "hardswish": _activation(F.hardswish),
    "hardsigmoid": _activation(F.hardsigmoid),
    "gelu": _activation(F.gelu),
    "maxout": _maxout,
    "chunk": lambda x, layer, t: x.chunk(layer.opts["of"], 1)[layer.opts["index"]],
    "shuffle": _shuffle,
    "layernorm": _layernorm,
    "pointwise": _pointwise,
    "patchembed": _patchembed,
    "attention": _attention,
    "token": lambda x, layer, t: x[:, :, layer.opts["index"]],
    "windowattention": _window_attention,
    "patchmerge": _patchmerge,
    "partitionattention": _partition_attention,
}

def _centre(t: torch.Tensor, target: Shape) -> torch.Tensor:
    """`t` centre-cropped to `target`'s spatial sizes, one narrow per dimension."""
    for d, size in enumerate(target[1:], start=2):
        t = t.narrow(d, (t.shape[d] - size) // 2, size)
    return t


#: Each join: the paths' outputs and the joined shape -> the joined tensor.
JOINS: dict[str, Callable[[list[torch.Tensor], Shape], torch.Tensor]] = {
    "concat": lambda outs, joined: torch.cat([_centre(t, joined) for t in outs], 1),
    "add": lambda outs, joined: sum(outs[1:], outs[0]),
    "gate": lambda outs, joined: outs[0] * outs[1],
}


# ---- the walk -------------------------------------------------------------------------------


class _Run(Visitor):
    """Evaluates the checked tree on a tensor, taking each row's tensors in
    walk order (a repeat's reused iterations have tensors of their own).
    `in_side` goes down the walk: whether the node is inside a side output of
    training only, whose value (and that of any side output in it) is not returned."""

    def __init__(self, rows: list[Row], tensors: list[Tensors]):
        self.rows, self.tensors = rows, tensors
        self.cursor = 0
        self.sides: list[torch.Tensor] = []

    def _take(self, layer: Layer) -> Tensors:
        row = self.rows[self.cursor]
        assert row.layer is layer, "the tree and the rows disagree"
        self.cursor += 1
        return self.tensors[self.cursor - 1]

    def generic_visit(self, node: Any, x: torch.Tensor, in_side: bool) -> torch.Tensor:
        if isinstance(node, Node):
            for child in node.iter_children():
                x = self.visit(child, x, in_side)
        return x

    def visit_Layer(self, layer: Layer, x: torch.Tensor, in_side: bool) -> torch.Tensor:
        tensors = self._take(layer)
        own = len(tensors) - (5 if layer.opts.get("bn") else 0)
        y = APPLY[layer.kind.name](x, layer, tensors[:own])
        if layer.opts.get("bn"):
            y = _batchnorm(y, tensors[own:], bn_settings(layer.opts)["eps"])
        return _act(layer, y)

    def visit_Branched(self, node: Branched, x: torch.Tensor, in_side: bool) -> torch.Tensor:
        tensors = self._take(node.layer)
        if tensors:  # a residual's layer scale or post-norm: on its one body, before a droppath that ends it
            outs = [x if not path.items else self._ended(path, x, node.layer, tensors, in_side) for path in node.paths]
        else:
            outs = [self.visit(path, x, in_side) for path in node.paths]
        return _act(node.layer, JOINS[node.join.name](outs, node.layer.out_shape))

    def _ended(self, path: Group, x: torch.Tensor, join: Layer, t: Tensors, in_side: bool) -> torch.Tensor:
        items, last = path.split_droppath()
        for item in items:
            x = self.visit(item, x, in_side)
        end = body_end(join.opts)
        if end is not None and end[0] == "postnorm":
            x = _channel_norm(x, t[0], t[1], end[1])
        else:
            x = t[0] * x
        return self.visit(last, x, in_side) if last is not None else x

    def visit_Aside(self, node: Aside, x: torch.Tensor, in_side: bool) -> torch.Tensor:
        # As a module in evaluation: a side output of training only (and any inside it)
        # is not returned; it is still walked, to take its rows' tensors in order.
        inner = in_side or node.train
        y = self.visit(node.body, x, inner)
        if not inner:
            self.sides.append(y)
        return x


def _act(layer: Layer, y: torch.Tensor) -> torch.Tensor:
    if layer.act is None:
        return y
    kind, opts = layer.act
    return APPLY[kind.name](y, Layer(kind, opts, layer.span, layer.out_shape, layer.out_shape, 0, 0), [])


def interpret(network: CheckedNetwork, tensors: Sequence[torch.Tensor],
              x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """The network's output for input `x` (a batch), with `tensors` its
    parameters and buffers in state_dict order (as `layout` lists them):
    the main output, or a tuple of it and the side outputs, as the built
    module returns them in evaluation (without those of training only)."""
    expected = layout(network)
    if len(tensors) != len(expected):
        raise ValueError(f"{network.name} holds {len(expected)} tensors, but {len(tensors)} were given")
    for tensor, (name, role, shape) in zip(tensors, expected):
        if tuple(tensor.shape) != tuple(shape):
            raise ValueError(f"{name} {role}: expected shape {tuple(shape)}, got {tuple(tensor.shape)}")
    per_row: list[Tensors] = []
    flat = iter(tensors)
    for row in network.rows:
        per_row.append([next(flat) for _ in layer_layout(row.layer)])
    run = _Run(network.rows, per_row)
    with torch.no_grad():
        y = run.visit(network.tree, x, False)
    return (y, *run.sides) if run.sides else y
