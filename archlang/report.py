"""Report: a checked network as text a person reads at a glance.

The per-layer table of `archc check`: aligned columns, thousands separators,
shapes as C@HxW, receptive fields as size/jump; then the totals, with MACs and
FLOPs told apart. JSON output is `CheckedNetwork.to_json`; this module is the
human side.
"""

from __future__ import annotations

from .check import CheckedNetwork, Row
from .layers import fmt_shape

HEADERS = ("name", "layer", "output", "params", "MACs", "memory", "rf/jump", "line")
RIGHT = {"params", "MACs", "memory", "line"}


def _rf(row: Row) -> str:
    if row.rf is None:
        return "-"
    size, jump = row.rf
    as_text = (lambda v: str(v[0]) if len(set(v)) == 1 else "x".join(map(str, v)))
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
        _rf(row),
        _line(row),
    )


def _line(row: Row) -> str:
    """The line the layer is written on; in a block from another file, file:line."""
    origin = row.layer.origin
    return f"{origin.rsplit('/', 1)[-1]}:{row.layer.span.line}" if origin else str(row.layer.span.line)


def listing_rows(network: CheckedNetwork) -> list[tuple[str, ...]]:
    """The table's cells, input row first: shared with `tables.listing`."""
    first = ("", "input", fmt_shape(network.input), "", "", f"{_volume(network.input):,}", "1/1", "")
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


def _volume(shape: tuple[int, ...] | None) -> int:
    result = 1
    for n in shape or ():
        result *= n
    return result


_BINARY_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def size_text(n: int, smallest: str = "KiB") -> str:
    """Bytes in binary units, from `smallest` up: 527.8 MiB, 934.6 GiB, 116.8 TiB."""
    first = _BINARY_UNITS.index(smallest)
    value = n / 1024 ** (first + 1)
    for unit in _BINARY_UNITS[first:-1]:
        if value < 1024:
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} {_BINARY_UNITS[-1]}"


def fp32_size(values: int) -> str:
    return size_text(values * 4, smallest="MiB")


def _short(count: int) -> str:
    """1.64 M, 15.47 G: the size of a count at a glance."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:,.2f} {unit}"
    return str(count)


def totals(network: CheckedNetwork) -> list[str]:
    params, macs, memory = network.params, network.macs, network.activation_elements
    return [
        f"output      {fmt_shape(network.output)}",
        f"params      {params:,} ({fp32_size(params)} at fp32)",
        f"MACs        {macs:,} multiply-accumulates ({_short(macs)}); FLOPs = 2 x MACs = {2 * macs:,}",
        f"activations {memory:,} values per example ({fp32_size(memory)} at fp32)",
    ]
