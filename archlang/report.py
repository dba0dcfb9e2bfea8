"""Report: a checked network as text a person reads at a glance.

The per-layer table of `archc check`: aligned columns, thousands separators,
shapes as C@HxW, receptive fields as size/jump; then the totals, with MACs and
FLOPs told apart. JSON output is `serialize.py`; this module is the human side.
"""

from __future__ import annotations

from .checker.checked import CheckedNetwork, Row, set_summary
from .checker.depth import all_weight_layers, weight_layers
from .checker.receptive import CAP
from .units import fmt_shape, fp32_size, short_count, volume

HEADERS = ("name", "layer", "output", "params", "MACs", "memory", "rf/jump", "line")
RIGHT = {"params", "MACs", "memory", "line"}


def rf_text(row: Row) -> str:
    """A row's receptive field as size/jump (`212/32`, `7x1/1`), or - once flattened."""
    if row.rf is None:
        return "-"
    size, jump = row.rf
    def one(n: int) -> str:
        return f">{CAP - 1}" if n >= CAP else str(n)

    def as_text(v: tuple[int, ...]) -> str:
        return one(v[0]) if len(set(v)) == 1 else "x".join(map(one, v))

    return f"{as_text(size)}/{as_text(jump)}"


def _cells(row: Row) -> tuple[str, ...]:
    layer = row.layer
    return (
        "  " * row.depth + row.name,
        layer.display,
        fmt_shape(layer.out_shape),
        f"{layer.params:,}",
        f"{layer.macs:,}",
        f"{layer.elements:,}",
        rf_text(row),
        _line(row),
    )


def _line(row: Row) -> str:
    """The line the layer is written on; in a block from another file, file:line."""
    origin = row.layer.origin
    return f"{origin.rsplit('/', 1)[-1]}:{row.layer.span.line}" if origin else str(row.layer.span.line)


def listing_rows(network: CheckedNetwork) -> list[tuple[str, ...]]:
    """The table's cells, input row first: shared with `tables.listing`."""
    first = ("", "input", fmt_shape(network.input), "", "", f"{volume(network.input):,}", "1/1", "")
    return [first, *(_cells(row) for row in network.rows)]


def table(network: CheckedNetwork) -> str:
    """The per-layer table, headed by the input and closed by the totals."""
    rows = [HEADERS, *listing_rows(network)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = [f"network {network.name} ({network.source.name})"]
    for r in rows:
        cells = [c.rjust(w) if HEADERS[i] in RIGHT else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(2, "  ".join("-" * w for w in widths))
    return "\n".join(lines + [""] + totals(network))


def totals(network: CheckedNetwork) -> list[str]:
    params, macs, memory = network.params, network.macs, network.activation_elements
    lines = [
        f"output      {fmt_shape(network.output)}",
        f"params      {params:,} ({fp32_size(params)} at fp32)",
        f"MACs        {macs:,} multiply-accumulates ({short_count(macs)}); FLOPs = 2 x MACs = {2 * macs:,}",
        f"activations {memory:,} values per example ({fp32_size(memory)} at fp32)",
        depth_line(network),
    ]
    if network.train_macs:  # side outputs of training only: not run in evaluation, so not in the MACs above
        lines.insert(3, f"            training adds {network.train_macs:,} for its side outputs of training only")
    return lines


def depth_line(network: CheckedNetwork) -> str:
    """The depth as papers count it (ResNet-18: 18), and every weight layer where that differs (21)."""
    depth, every = weight_layers(network), all_weight_layers(network)
    text = f"depth       {depth} weight layers on the longest path, as papers count depth"
    return text + (f" ({every} in all)" if every != depth else "")


set_summary(table)  # `CheckedNetwork.summary()` and `str(network)`: the table above
