"""The GoogLeNet form: one network as Table 1 of Szegedy et al. (2014).

A row per layer or inception module on the main path: its type, patch size
and stride, output size (H×W×C), depth (weight layers on its longest path),
the widths of the module's paths (#1×1, #3×3 reduce, #3×3, #5×5 reduce,
#5×5, pool proj: the heads come from the modules' paths, so a module whose
"5×5" path is a 3×3 says #3×3), its parameters and its operations
(multiply-adds). A 1×1 convolution straight before a k×k one is one row of
depth 2 with its width under #k×k reduce, as the paper writes conv2.
Modules are named by the size of their maps, as the paper names them: (3a)
and (3b) at the third size (28×28 for a 224×224 input), (4a) at the next.
"""

from __future__ import annotations

from ..checker.checked import CheckedNetwork, Group, Layer
from ..checker.depth import weight_depth, weight_layers
from ..checker.rows import walk_layers
from ..records import record
from ..units import short_count
from .paths import Module, Unit, kernel_text, main_path, sides_text, spatial, stride_of, unit_layer
from .writers import Block

#: Kinds Table 1 leaves out (LRN is in the paper's Fig. 3, not its table); the note names them.
_LEFT_OUT = ("flatten", "lrn", "batchnorm")
_TYPES = {"conv": "convolution", "maxpool": "max pool", "avgpool": "avg pool", "gap": "avg pool",
          "adaptiveavgpool": "avg pool", "fc": "linear", "softmax": "softmax"}

#: A path's cells: (column head, value) in order.
Cells = list[tuple[str, str]]


@record(frozen=True)
class _Row:
    """One row before it is laid out: the fixed cells, the module cells, the counts."""

    type: str
    patch: str
    output: str
    depth: int
    cells: Cells
    params: int
    macs: int


def _shown(units: list[Unit]) -> list[Unit]:
    return [u for u in units if unit_layer(u).kind.name not in _LEFT_OUT]


def _path_cells(path: Group) -> Cells:
    """A module's path as Table 1's columns: #1×1; #k×k reduce and #k×k; pool proj."""
    layers = [unit_layer(u) for u in _shown(main_path(path))]
    convs = [layer for layer in layers if layer.kind.weighted]
    if not convs:
        return []
    last = convs[-1]
    width = str(last.opts.get("filters", last.out_shape[0] if last.out_shape else ""))
    if layers[0].kind.family == "pool":
        return [("pool proj", width)]
    if len(convs) == 1:
        return [(f"#{kernel_text(last)}", width)]
    first = convs[0]
    return [(f"#{kernel_text(last)} reduce", str(first.opts.get("filters", ""))), (f"#{kernel_text(last)}", width)]


def _output(layer: Layer) -> str:
    """The output as Table 1 writes it, H×W×C; a vector as 1×1×C."""
    shape = layer.out_shape or ()
    sizes = spatial(shape) or (1, 1)
    return f"{sides_text(sizes)}×{shape[0]}" if shape else ""


def _patch(layer: Layer) -> str:
    if layer.kind.name == "gap":  # a global pool is the paper's avg pool over the whole map, stride 1
        return f"{sides_text(spatial(layer.in_shape))}/1"
    return f"{kernel_text(layer)}/{stride_of(layer)}" if "kernel" in layer.opts else ""


def _type(layer: Layer) -> str:
    if layer.kind.name == "dropout":
        return f"dropout ({layer.opts['p']:.0%})"
    return _TYPES.get(layer.kind.name, layer.kind.paper_label(layer.opts))


def _layer_row(layer: Layer) -> _Row:
    return _Row(_type(layer), _patch(layer), _output(layer), int(layer.kind.weighted), [], layer.params, layer.macs)


def _module_row(module: Module, name: str) -> _Row:
    branch = module.branch
    cells = [cell for path in branch.paths for cell in _path_cells(path)]
    layers = [layer for layer, _ in walk_layers(branch)]
    params, macs = sum(layer.params for layer in layers), sum(layer.macs for layer in layers)
    return _Row(name, "", _output(branch.layer), weight_depth(branch), cells, params, macs)


def _reduced(reduce: Layer, conv: Layer) -> _Row:
    """A 1×1 reduce and the conv after it as one row of depth 2 (the paper's conv2)."""
    k = kernel_text(conv)
    cells = [(f"#{k} reduce", str(reduce.opts["filters"])), (f"#{k}", str(conv.opts["filters"]))]
    return _Row("convolution", _patch(conv), _output(conv), 2, cells, reduce.params + conv.params,
                reduce.macs + conv.macs)


def _is_reduce_pair(units: list[Unit], i: int) -> bool:
    pair = units[i:i + 2]
    return (len(pair) == 2 and all(isinstance(u, Layer) and u.kind.name == "conv" for u in pair)
            and kernel_text(pair[0]) in ("1", "1×1") and kernel_text(pair[1]) not in ("1", "1×1"))  # type: ignore[arg-type]


def _names(network: CheckedNetwork, units: list[Unit]) -> list[str]:
    """Each unit's name as a module of the paper: (3a), (3b) at the third map
    size the main path reaches (the input's is the 0th), (4a) at the next."""
    sizes, names, letters = [spatial(network.input)], [], 0
    for unit in units:
        size = spatial(unit_layer(unit).out_shape)
        if size and size != sizes[-1]:
            sizes.append(size)
            letters = 0
        names.append(f"({len(sizes) - 1}{'abcdefghijklmnopqrstuvwxyz'[letters % 26]})")
        letters += isinstance(unit, Module)
    return names


def _rows(network: CheckedNetwork) -> list[_Row]:
    """The rows of the main path: layers, reduced convs and named modules."""
    units = main_path(network.tree)
    names = _names(network, units)
    shown = {id(u) for u in _shown(units)}
    rows: list[_Row] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if isinstance(unit, Module):
            rows.append(_module_row(unit, f"{unit.name} {names[i]}"))
        elif _is_reduce_pair(units, i):
            rows.append(_reduced(units[i], units[i + 1]))  # type: ignore[arg-type]
            i += 1
        elif id(unit) in shown:
            rows.append(_layer_row(unit_layer(unit)))
        i += 1
    return rows


def _heads(rows: list[_Row]) -> list[tuple[str, int]]:
    """The module columns: every (head, occurrence) the rows name, in the order
    the modules' paths first name them (then the reduced convs', if others)."""
    heads: dict[tuple[str, int], None] = {}
    for row in sorted(rows, key=lambda r: not r.type.endswith(")")):  # the modules first, stably
        for key, _ in _keyed(row.cells):
            heads.setdefault(key)
    return list(heads)


def _keyed(cells: Cells) -> list[tuple[tuple[str, int], str]]:
    """Cells keyed by (head, how many times the head came before in the row)."""
    seen: dict[str, int] = {}
    keyed = []
    for head, value in cells:
        keyed.append(((head, seen.get(head, 0)), value))
        seen[head] = seen.get(head, 0) + 1
    return keyed


def kilo(params: int) -> str:
    """Parameters as Table 1 writes them: 2.7K, 112K, 1000K, in the paper's K of
    1,024 (its conv2, 64 + 576 × 192 weights, is 112K; its linear layer,
    1,024 × 1,000, is 1000K); one decimal below 10K."""
    if not params:
        return ""
    value = params / 1024
    return f"{value:.1f}K" if value < 10 else f"{value:.0f}K"


def mega(macs: int) -> str:
    """Operations (multiply-adds) as Table 1 writes them, in millions: 34M, 360M, 1M."""
    if not macs:
        return ""
    value = macs / 1e6
    return f"{value:.0f}M" if value >= 1 else f"{value:.2g}M"


def googlenet_blocks(network: CheckedNetwork, name: str | None = None) -> tuple[list[Block], str]:
    """Table 1 of the GoogLeNet paper for one network, as blocks, and its note."""
    rows = _rows(network)
    heads = _heads(rows)
    head = ("type", "patch size/stride", "output size", "depth", *(h for h, _ in heads), "params", "ops")
    body = []
    for row in rows:
        cells = dict(_keyed(row.cells))
        body.append((row.type, row.patch, row.output, str(row.depth), *(cells.get(h, "") for h in heads),
                     kilo(row.params), mega(row.macs)))
    return [Block((head,)), Block(tuple(body))], _note(network, name or network.name)


def _note(network: CheckedNetwork, name: str) -> str:
    left_out = sorted({row.layer.kind.paper_label(row.layer.opts) for row in network.rows
                       if row.layer.kind.name in _LEFT_OUT})
    if any(row.layer.opts.get("bn") for row in network.rows):
        left_out.insert(0, "batch norm after every conv")
    text = (f"{name}: {weight_layers(network)} layers deep counting only layers with parameters; "
            f"{network.params:,} parameters ({short_count(network.params, 'M')}), "
            f"{network.macs:,} multiply-adds ({short_count(network.macs)}). "
            "Params in K of 1,024, as the paper counts them; ops are multiply-adds in millions (M = 10⁶).")
    if left_out:
        text += " Not shown, as in the paper's Table 1: " + "; ".join(left_out) + "."
    if network.side_outputs:
        text += " Side outputs (auxiliary classifiers) are not on the main path and not shown."
    return text
