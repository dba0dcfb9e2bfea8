"""Numbers, shapes and sizes as people read them: 3@224x224, 527.8 MiB, 15.47 G.

One module for every stage that shows a number (the report, the tables, the
diagram, the runtime's memory refusal), so they all write them alike.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

Shape = tuple[int, ...]

_BINARY_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")
_DECIMAL_UNITS = (("G", 1e9), ("M", 1e6), ("k", 1e3))


def fmt_shape(shape: Shape | None) -> str:
    """C@HxW, C@L or C: the paper's notation for a tensor shape."""
    if shape is None:
        return "?"
    if len(shape) == 1:
        return str(shape[0])
    return f"{shape[0]}@{'x'.join(map(str, shape[1:]))}"


def volume(shape: Shape | None) -> int:
    """The number of values in a shape (1 for no shape)."""
    return math.prod(shape or ())


def size_text(n: int, smallest: str = "KiB") -> str:
    """Bytes in binary units, from `smallest` up: 527.8 MiB, 934.6 GiB, 116.8 TiB;
    `smallest="bytes"` writes fewer than 1,024 as bytes (0 bytes, 784 bytes)."""
    if smallest == "bytes":
        if n < 1024:
            return f"{n:,} byte{'s' * (n != 1)}"
        smallest = "KiB"
    first = _BINARY_UNITS.index(smallest)
    value = n / 1024 ** (first + 1)
    for unit in _BINARY_UNITS[first:-1]:
        if round(value, 1) < 1024:  # 1,048,575 bytes is 1.0 MiB, not 1,024.0 KiB
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} {_BINARY_UNITS[-1]}"


def fp32_size(values: int) -> str:
    """The size of `values` fp32 numbers in the unit that reads: 3.1 KiB, 527.8 MiB, never 0.0 MiB."""
    return size_text(values * 4, smallest="bytes")


def short_count(count: int, smallest: str = "k") -> str:
    """1.64 M, 15.47 G: the size of a count at a glance; below `smallest`'s
    scale the count itself (with separators when `smallest` is above k)."""
    units = _DECIMAL_UNITS[: [u for u, _ in _DECIMAL_UNITS].index(smallest) + 1]
    for unit, scale in units:
        if count >= scale:
            return f"{count / scale:,.2f} {unit}"
    return str(count) if smallest == "k" else f"{count:,}"


def aligned(rows: Sequence[Sequence[str]], right: Collection[int] = (), rule: bool = True) -> list[str]:
    """Rows of cells as lines of columns two spaces apart, the columns numbered in
    `right` right-aligned and the rest left, trailing spaces dropped; `rule`: a line
    of dashes under the first row (the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    lines = ["  ".join(cell.rjust(width) if i in right else cell.ljust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in rows]
    if rule and lines:
        lines.insert(1, "  ".join("-" * width for width in widths))
    return lines
