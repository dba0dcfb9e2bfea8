"""Labels: what each box, edge, legend and title of a diagram says.

Labels are Graphviz's HTML-like labels, built from the rows a node stands for:
the layer's names (`conv1_1, conv1_2`), its notation with what follows it
(`conv3-64` + relu), its parameters, and for a collapsed cluster its totals and
output shape. The view says which lines show and at what size.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..checker.checked import CheckedNetwork, Layer, Row
from ..units import Shape, fmt_shape, short_count
from .drawer import Node
from .view import View

#: Fill colours by layer family; the legend lists the families a diagram uses.
COLOURS = {
    "conv": "#cfe2f3",
    "pool": "#f4cccc",
    "fc": "#d9ead3",
    "norm": "#fff2cc",
    "act": "#e6dcf5",
    "other": "#eeeeee",
    "join": "#ffffff",
    "block": "#f8f8f8",
}
FONT = "Helvetica,Arial,sans-serif"
SMALL_COLOUR = "#444444"


def distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _span_text(items: list[str]) -> str:
    """One, two (`a, b`) or the first and last (`a … z`) of several names."""
    return ", ".join(items) if len(items) <= 2 else f"{items[0]} … {items[-1]}"


def shape_label(shapes: list[Shape]) -> str:
    """An edge's shape, or the first and last when the iterations differ."""
    seen = distinct(shapes)
    if len(seen) == 1:
        return fmt_shape(seen[0])
    return f"{fmt_shape(seen[0])} … {fmt_shape(seen[-1])}"


def _runs(values: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


def params_label(rows: list[Row]) -> str:
    """`36,928 params` for one layer; for a folded repeat the values in order,
    runs counted: `295,168 + 2 × 590,080 params`."""
    runs = _runs([row.layer.params for row in rows])
    if all(value == 0 for value, _ in runs):
        return ""
    if len(runs) > 3:
        total = sum(row.layer.params for row in rows)
        return f"{len(rows)} layers, {total:,} params in all"
    return " + ".join(f"{n} × {v:,}" if n > 1 else f"{v:,}" for v, n in runs) + " params"


def _small(text: str, view: View) -> str:
    return f'<font point-size="{view.fonts.small:g}" color="{SMALL_COLOUR}">{html.escape(text)}</font>'


def _html(lines: list[str]) -> str:
    return "<" + "<br/>".join(lines) + ">"


def layer_label(node: Node, view: View) -> str:
    """Names (conv1_1), the layer in paper notation with what follows it
    (`conv3-64` + relu) and its parameters; names and parameters as the view says."""
    rows = node.rows
    first = rows[0].layer
    tails = distinct([_tail(r.layer) for r in rows])
    what = tails[0] if len(tails) == 1 else " + " + " / ".join(t.lstrip(" +") or "no act" for t in tails)
    head = f"<b>{html.escape(first.op)}</b>{html.escape(what)}" if not first.implied else "<i>flatten</i> (implied)"
    lines = [_small(_span_text([r.name for r in rows]), view)] if view.names else []
    lines.append(head)
    params = params_label(rows) if view.params else ""
    if params:
        lines.append(_small(params, view))
    return _html(lines)


def summary_label(node: Node, view: View) -> str:
    """A collapsed cluster: its title, how many layers, its parameters and
    MACs (per iteration of the repeats around it, runs counted) and the shape it ends in."""
    groups = node.groups
    layers = sum(1 for row in groups[0] if not row.layer.implied)
    lines = [f"<b>{html.escape(node.title)}</b>"]
    if view.names:
        lines.insert(0, _small(_span_text(distinct([_names(group) for group in groups])), view))
    details = [f"{layers} layer{'s' if layers != 1 else ''}"]
    if view.params:
        details += [_totals([sum(r.layer.params for r in g) for g in groups], "params", full=True),
                    _totals([sum(r.layer.macs for r in g if not r.train) for g in groups], "MACs", full=False)]
    lines.append(_small(", ".join(d for d in details if d), view))
    if node.out is not None:
        lines.append(_small(f"→ {fmt_shape(node.out)}", view))
    return _html(lines)


def _names(rows: list[Row]) -> str:
    """The name the rows share (`conv3_x.bottleneck1`), else the first and last."""
    names = [row.name for row in rows if not row.layer.implied]
    if len(names) <= 1:
        return names[0] if names else ""
    parts = [name.split(".") for name in names]
    shared = []
    for pieces in zip(*parts):
        if len(set(pieces)) > 1:
            break
        shared.append(pieces[0])
    if not shared:
        return f"{names[0]} … {names[-1]}"
    rest = distinct([piece[len(shared)] for piece in parts if len(piece) > len(shared)])
    prefix = ".".join(shared)
    return f"{prefix}.{rest[0]} … {rest[-1]}" if len(rest) > 1 and len(names) > len(rest) else prefix


def _totals(values: list[int], unit: str, full: bool) -> str:
    """`1,234 params`, or per iteration `1,234 + 2 × 5,678 params`; MACs short (`1.2 G MACs`)."""
    if not any(values):
        return ""
    number = (lambda v: f"{v:,}") if full else (lambda v: short_count(v, smallest="k"))
    runs = _runs(values)
    if len(runs) > 3:
        return f"{number(sum(values))} {unit} in all"
    return " + ".join(f"{n} × {number(v)}" if n > 1 else number(v) for v, n in runs) + f" {unit}"


def _tail(layer: Layer) -> str:
    """What follows the operation in its display: ` + bn + relu`."""
    return layer.display[len(layer.op):] if not layer.implied else ""


def end_label(node: Node, network: CheckedNetwork, view: View) -> str:
    """The input, output or a side output, with its shape."""
    if node.role == "side":
        return _html(["side output", _small(fmt_shape(node.out or ()), view)])
    shape = network.input if node.role == "input" else network.output
    return _html([node.role, _small(fmt_shape(shape), view)])


def legend_label(families: list[str]) -> str:
    cells = "".join(f'<td bgcolor="{COLOURS[f]}">{f}</td>' for f in families)
    return f'<<table border="0" cellborder="1" cellspacing="2" cellpadding="3"><tr>{cells}</tr></table>>'


def title(network: CheckedNetwork) -> str:
    text = f"{network.name}: {network.params:,} params, {short_count(network.macs, smallest='M')} MACs (multiply-accumulates)"
    return dot_text(text)


def dot_text(text: str) -> str:
    """Text from a spec or a file name, safe as a quoted DOT string: no control
    characters, backslashes doubled (DOT reads `\\N`, `\\l`... as escapes, and
    a last backslash would escape the closing quote). The graphviz package
    quotes it; a string starting with `<` and ending with `>` it would pass raw
    as an HTML label, so such text gets a space at its end."""
    text = "".join(c if c.isprintable() else " " for c in text).replace("\\", "\\\\")
    return f"{text} " if text.startswith("<") and text.endswith(">") else text


def graph_name(network: CheckedNetwork) -> str:
    """The DOT graph's name: an identifier (a file's name may hold any text)."""
    return re.sub(r"\W", "_", network.name, flags=re.ASCII) or "network"
