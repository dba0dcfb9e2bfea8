"""Which tensors a volume figure draws, chosen from the checked network's rows.

The figure shows what a paper's figure shows: the input, and the output of each conv, pool,
fully connected layer and residual or concat block on the main path. Activations,
normalisation, dropout and flattens get nothing of their own; the blocks of one stage at one
shape are one volume ×n. In the compact form (more than `COMPACT_ABOVE` volumes) long runs of
identical convs collapse into one volume and runs at one size are marked to be drawn touching.

Only names, roles and shapes are decided here; nothing is sized or placed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..checker.checked import CheckedNetwork, Row
from ..records import field, record, replace
from ..units import Shape, fmt_shape
from .style import COLLAPSE_ABOVE, COMPACT_ABOVE

T = TypeVar("T")


@record
class Tensor:
    """A tensor the paper would draw: a volume (spatial) or a bar (a vector)."""

    name: str
    detail: str
    shape: Shape
    role: str  # input, conv, pool, residual, concat, fc, other
    kernel: tuple[int, int] | None = None
    stride: int = 1
    count: int = 1
    group: str | None = None  # the block call a tensor belongs to (`conv2_x`, `i3a`)
    key: str | None = None  # what consecutive block outputs of one stage merge on
    paths: list[str] = field(default_factory=list)  # a block output's dotted path, one per merged block
    attached: bool = False  # drawn touching the previous volume (compact form)
    bar_text: str = ""
    ends: tuple[str, str] | None = None  # the first and last name of what it stands for, when several

    @property
    def note(self) -> str:
        """What made it, with the number of blocks or layers it stands for: `basic ×2`."""
        return f"{self.detail} ×{self.count}" if self.count > 1 else self.detail

    @property
    def first(self) -> str:
        """The name a range of names starting here starts with."""
        return self.ends[0] if self.ends else self.name

    @property
    def last(self) -> str:
        """The name a range of names ending here ends with."""
        return self.ends[1] if self.ends else self.name

    @property
    def is_bar(self) -> bool:
        """A vector, or maps of 1x1: drawn as a thin bar."""
        return len(self.shape) == 1 or all(size == 1 for size in self.shape[1:])

    @property
    def spatial(self) -> tuple[int, int]:
        """(height, width); a 1-D signal has width 1."""
        return (self.shape[1], self.shape[2] if len(self.shape) > 2 else 1)


def tensors(network: CheckedNetwork, compact: bool | None = None) -> list[Tensor]:
    """The tensors to draw, left to right: the input, each conv, pool, block and fc output on
    the main path. Activations, normalisation, dropout and flattens get none of their own; the
    blocks of one stage at one shape are one volume ×n."""
    drawn = _main_path(network)
    _name_blocks(drawn)
    volumes = sum(not t.is_bar for t in drawn)
    if compact if compact is not None else volumes > COMPACT_ABOVE:
        drawn = _collapse(drawn)
        _attach(drawn)
    return drawn


def _main_path(network: CheckedNetwork) -> list[Tensor]:
    """The input and the tensors of the top-level rows, consecutive blocks of one stage at one
    shape merged into one (rows inside a block are drawn as the block's output only)."""
    drawn = [_input(network.input or (1,))]
    for row in network.rows:
        tensor = _tensor(row) if row.depth == 0 else None
        if tensor is None:
            continue
        last = drawn[-1]
        if tensor.key and last.key == tensor.key and last.shape == tensor.shape:
            last.count += 1
            last.paths += tensor.paths
        else:
            drawn.append(tensor)
    return drawn


def _input(shape: Shape) -> Tensor:
    """The network's input, as a volume or a bar."""
    return Tensor("input", fmt_shape(shape), shape, "input", bar_text=f"input {shape[0]}")


def _tensor(row: Row) -> Tensor | None:
    """The tensor a main-path row produces, or None for rows that draw nothing of their own."""
    layer = row.layer
    family, kind = layer.kind.family, layer.kind.name
    if family == "join":
        return _block(row)
    if family not in ("conv", "pool", "fc"):
        return None
    shape = layer.out_shape
    role = "pool" if family == "pool" else "conv" if family == "conv" else "fc"
    kernel = _kernel(layer.opts) if family in ("conv", "pool") else None
    # a pool without a stride steps by its window, as the layer itself does
    stride = layer.opts.get("stride") or (kernel[0] if kernel and family == "pool" else 1)
    word = "dense" if kind == "fc" else kind
    group = row.name.split(".")[0] if "." in row.name else None
    return Tensor(
        row.name, layer.op, shape, role, kernel, int(stride), group=group, bar_text=f"{word} {shape[0]}"
    )


def _kernel(opts: Mapping[str, Any]) -> tuple[int, int] | None:
    """The (height, width) of a layer's window, from `kernel` (one value or one per dimension)."""
    kernel = opts.get("kernel")
    if not kernel:
        return None
    sizes = tuple(int(k) for k in kernel)
    return (sizes[0], sizes[-1])


def _block(row: Row) -> Tensor:
    """A residual or concat block's output. Blocks merge on their stage (`conv2_x` of
    `conv2_x.basic1`) or, for a lone call, on its name without the number (`inception_c`)."""
    parts = row.name.split(".")
    path = parts[:-1] or parts  # the join's own name (add1, concat1) is not the block's
    residual = row.layer.kind.name == "add"
    if len(path) >= 2:
        key, kind = path[0], re.sub(r"\d+$", "", path[1]) or ("residual" if residual else "concat")
    else:
        key = re.sub(r"\d+$", "", path[0]) or path[0]
        kind = "residual" if residual else f"concat of {row.layer.opts.get('paths', 2)}"
    shape = row.layer.out_shape
    word = "residual" if residual else "concat"
    return Tensor(
        ".".join(path),
        kind,
        shape,
        word,
        group=path[0],
        key=key,
        paths=[".".join(path)],
        bar_text=f"{word} {shape[0]}",
    )


def _name_blocks(drawn: list[Tensor]) -> None:
    """Names as the figure shows them: a stage drawn as one volume by its stage name (`conv2_x`),
    blocks inside a frame by their names within it (`basic1`, `basic2–3`)."""
    for run in runs_of(drawn, lambda t: t.group):
        if run[0].group is None:
            continue
        for tensor in run:
            _name_block(tensor, framed=len(run) > 1)


def _name_block(tensor: Tensor, framed: bool) -> None:
    """One block output's name: within its frame when `framed`, else its stage's name, or the
    range of the lone calls it stands for."""
    inner = [p.split(".", 1)[1] if "." in p else p for p in tensor.paths or [tensor.name]]
    if framed:
        tensor.name = span(inner[0], inner[-1])
    elif tensor.paths and "." in tensor.paths[0]:
        tensor.name = tensor.group or tensor.name
    elif tensor.count > 1:
        tensor.name, tensor.ends = (
            span(tensor.paths[0], tensor.paths[-1]),
            (tensor.paths[0], tensor.paths[-1]),
        )


def runs_of(items: list[T], key: Callable[[T], object]) -> list[list[T]]:
    """Consecutive items with equal `key(item)`."""
    runs: list[list[T]] = []
    for item in items:
        if runs and key(runs[-1][0]) == key(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def span(first: str, last: str) -> str:
    """`conv1_1–2` for conv1_1 to conv1_2, `inception_a2–3`, `conv1_1–pool1`: a range of names
    with the prefix they share written once."""
    if first == last:
        return first
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    while common and first[common - 1].isdigit():  # keep a number whole: conv12–13, not conv12–3
        common -= 1
    return f"{first}–{last[common:]}"


def _collapse(drawn: list[Tensor]) -> list[Tensor]:
    """Runs of more than COLLAPSE_ABOVE identical convs (AlphaGo's 11 conv3-192) as one volume ×n."""
    out: list[Tensor] = []
    # only convs are compared; anything else is a run of its own (its id never repeats)
    for run in runs_of(drawn, lambda t: (t.role, t.detail, t.shape) if t.role == "conv" else id(t)):
        if len(run) > COLLAPSE_ABOVE:
            out.append(
                replace(
                    run[0],
                    name=span(run[0].name, run[-1].name),
                    ends=(run[0].name, run[-1].name),
                    count=len(run),
                )
            )
        else:
            out.extend(run)
    return out


def _attach(drawn: list[Tensor]) -> None:
    """Compact form (VGG's figures): a conv or block at the previous one's spatial size, and a pool
    after a conv or a block, are drawn touching it, so a stage reads as one block of slabs with the
    pool as its size step."""
    for previous, tensor in itertools.pairwise(drawn):
        if tensor.is_bar or previous.is_bar or previous.role in ("input", "pool"):
            continue
        same_size = tensor.spatial == previous.spatial and tensor.role == previous.role
        step = tensor.role == "pool"
        tensor.attached = same_size or step
