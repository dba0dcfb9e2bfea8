"""Report: a checked network as text a person reads at a glance.

The per-layer table of `archc check`: aligned columns, thousands separators,
shapes as C@HxW (N x C@HxW for a batch), receptive fields as size/jump; then
the totals, with MACs and FLOPs told apart and the parameters split into
trainable and frozen, and the memory estimate of `accounting.py`. JSON output
is `serialize.py`; this module is the human side.
"""

from __future__ import annotations

from .accounting import (
    OPTIMIZER_STATE,
    OPTIMIZERS,
    TOKEN_ID_BYTES,
    input_bytes_per_value,
    largest_live_row,
    memory,
)
from .checker.checked import CheckedNetwork, Row, set_summary
from .checker.depth import all_weight_layers, weight_layers
from .checker.receptive import CAP
from .units import Shape, aligned, fmt_shape, fp32_size, short_count, size_text, volume

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


def batch_shape(shape: Shape | None, batch: int) -> str:
    """A shape as the report shows it: 64@224x224, or 8 x 64@224x224 for a batch of 8."""
    return fmt_shape(shape) if batch == 1 else f"{batch} x {fmt_shape(shape)}"


def _cells(row: Row, batch: int) -> tuple[str, ...]:
    layer = row.layer
    return (
        "  " * row.depth + row.name,
        layer.display,
        batch_shape(layer.out_shape, batch),
        f"{layer.params:,}",
        f"{layer.macs:,}",
        f"{batch * layer.elements:,}",
        rf_text(row),
        _line(row),
    )


def _line(row: Row) -> str:
    """The line the layer is written on; in a block from another file, file:line."""
    origin = row.layer.origin
    return f"{origin.rsplit('/', 1)[-1]}:{row.layer.span.line}" if origin else str(row.layer.span.line)


def listing_rows(network: CheckedNetwork) -> list[tuple[str, ...]]:
    """The table's cells, input row first: shared with `tables.listing`."""
    batch = network.batch
    first = ("", "input", batch_shape(network.input, batch), "", "", f"{batch * volume(network.input):,}", "1/1", "")
    return [first, *(_cells(row, batch) for row in network.rows)]


def table(network: CheckedNetwork) -> str:
    """The per-layer table, headed by the input and closed by the totals."""
    right = [i for i, header in enumerate(HEADERS) if header in RIGHT]
    lines = aligned([HEADERS, *listing_rows(network)], right)
    return "\n".join([f"network {network.name} ({network.source.name})", *lines, "", *totals(network)])


def totals(network: CheckedNetwork) -> list[str]:
    params, macs, values = network.params, network.macs, network.activation_elements
    lines = [
        f"output      {fmt_shape(network.output)}",
        f"params      {params:,} ({fp32_size(params)} at fp32)",
        f"            {network.trainable:,} trainable, {network.frozen:,} frozen",
        f"buffers     {network.buffers:,} values besides the parameters (running statistics, fixed tables)",
        f"MACs        {macs:,} multiply-accumulates ({short_count(macs)}); FLOPs = 2 x MACs = {2 * macs:,}",
    ]
    if network.train_macs:  # side outputs of training only: not run in evaluation, so not in the MACs above
        lines.append(f"            training adds {network.train_macs:,} for its side outputs of training only")
    if network.batch > 1:
        lines.append(f"            per example; x {network.batch} = {network.batch * macs:,} per batch")
    lines.append(f"activations {values:,} values per example ({fp32_size(values)} at fp32)")
    lines.append(depth_line(network))
    return lines + [""] + memory_lines(network)


def _input_note(network: CheckedNetwork, batch: int) -> str:
    examples = f"{batch} example{'s' * (batch != 1)} of {fmt_shape(network.input)}"
    return examples + (" token ids (int64)" if input_bytes_per_value(network) == TOKEN_ID_BYTES else "")


def memory_rows(network: CheckedNetwork) -> list[tuple[str, int, str]]:
    """The memory estimate (accounting.py): each figure's name, its bytes, and what it counts."""
    m, largest = memory(network), largest_live_row(network)
    copies = OPTIMIZERS[m.optimizer]
    return [
        ("input", m.input, _input_note(network, m.batch)),
        ("parameters", m.parameters, f"{network.params:,} values"),
        ("buffers", m.buffers, f"{network.buffers:,} values"),
        ("forward", m.forward, f"the largest input + output of a layer ({largest.name})" if largest else ""),
        ("inference total", m.inference, "input + parameters + buffers + forward"),
        ("gradients", m.gradients, f"one per trainable parameter ({network.trainable:,})"),
        (f"optimizer state ({m.optimizer})", m.optimizer_state,
         OPTIMIZER_STATE[m.optimizer] + (f": {copies} x the gradients" if copies else "")),
        ("kept for backward", m.saved, "outputs, max-pool indices, dropout masks"),
        ("training step total", m.training, "input + parameters + buffers + gradients + state + kept"),
    ]


def memory_heading(network: CheckedNetwork) -> str:
    """What the estimate assumes: fp32, the batch, the optimizer."""
    return f"estimated at fp32 for a batch of {network.batch}, trained with {network.optimizer}"


def memory_cells(network: CheckedNetwork) -> list[tuple[str, str, str, str]]:
    """The memory estimate's rows as text: its name, the size that reads, the exact bytes, what it counts."""
    return [(label, size_text(size, "bytes"), f"{size:,}", note) for label, size, note in memory_rows(network)]


def memory_lines(network: CheckedNetwork) -> list[str]:
    """The memory estimate as a small table: the size that reads, the exact bytes, what it counts."""
    cells = memory_cells(network)
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = [f"memory      {memory_heading(network)} (--batch, --optimizer):"]
    for label, size, exact, note in cells:
        lines.append(f"  {label.ljust(widths[0])}  {size.rjust(widths[1])}  {exact.rjust(widths[2])}  {note}".rstrip())
    return lines


def depth_line(network: CheckedNetwork) -> str:
    """The depth as papers count it (ResNet-18: 18), and every weight layer where that differs (21)."""
    depth, every = weight_layers(network), all_weight_layers(network)
    text = f"depth       {depth} weight layers on the longest path, as papers count depth"
    return text + (f" ({every} in all)" if every != depth else "")


set_summary(table)  # `CheckedNetwork.summary()` and `str(network)`: the table above
