"""Tables: checked networks as Markdown, LaTeX and HTML tables for papers and slides.

Two tables. `compare` sets several networks side by side in the layout of the
VGG paper's Table 1: a column per network, the stages between pools aligned
row by row, layers in the paper's notation (conv3-64, LRN, maxpool, FC-4096,
soft-max) and a last row of parameters in millions (the paper's Table 2).
`listing` is `archc check`'s per-layer table (the cs231n-style listing of
output shape, memory and weights per layer) as Markdown or LaTeX.

A table is built once as `Block`s of rows and then written by one small writer
per format, so the formats cannot disagree about what is in it.
"""

from __future__ import annotations

from .checker.checked import CheckedNetwork, Layer
from .records import record
from .report import HEADERS, RIGHT, listing_rows
from .units import fmt_shape, fp32_size

FORMATS = ("md", "latex", "html")

#: Kinds the paper's table leaves out; the note under the table names them.
_LEFT_OUT = ("dropout", "flatten")


@record(frozen=True)
class Block:
    """Rows that belong together (a stage, a pool, the classifier), ruled off
    from the next block in LaTeX and HTML. A row whose cells are all equal is
    written as one spanning cell where `span` is set and the format can."""

    rows: tuple[tuple[str, ...], ...]
    span: bool = False


# ---- the comparison table (VGG Table 1) --------------------------------------------------


def paper_label(layer: Layer, show_act: bool) -> str:
    """A layer as the VGG paper writes it: conv3-64, LRN, maxpool, FC-4096, soft-max
    (each kind's paper name, from the table of kinds)."""
    text = layer.kind.paper_label(layer.opts)
    if layer.opts.get("bn"):
        text += " + BN"
    if show_act and layer.act_name:
        text += f" + {layer.act_name}"
    return text


def _shown(network: CheckedNetwork) -> list[Layer]:
    return [row.layer for row in network.rows if row.layer.kind.name not in _LEFT_OUT]


def _weighted(network: CheckedNetwork) -> list[Layer]:
    return [row.layer for row in network.rows if row.layer.kind.weighted]


def hidden_activation(networks: list[CheckedNetwork]) -> str | None:
    """The activation the table may leave out, as the paper leaves out ReLU:
    one that follows every weight layer but the last, in every network."""
    names = set()
    for network in networks:
        weighted = _weighted(network)
        if not weighted or weighted[-1].act is not None:
            return None
        names |= {layer.act_name for layer in weighted[:-1]}
    return names.pop() if len(names) == 1 and None not in names else None


def _segments(network: CheckedNetwork, show_act: bool) -> tuple[list[list[str]], list[str], list[str]]:
    """A network's stages (layers between pools), its pools, and the head after the last pool."""
    stages: list[list[str]] = []
    pools: list[str] = []
    current: list[str] = []
    for layer in _shown(network):
        if layer.kind.family == "pool":
            stages.append(current)
            pools.append(paper_label(layer, show_act))
            current = []
        else:
            current.append(paper_label(layer, show_act))
    return stages, pools, current


def _aligned(columns: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    """Columns of different lengths as rows, top-aligned, blanks below."""
    depth = max((len(c) for c in columns), default=0)
    return tuple(tuple(c[i] if i < len(c) else "" for c in columns) for i in range(depth))


def millions(params: int) -> str:
    """Parameters in millions as the paper rounds them (133), with three
    significant figures for small networks (0.0617)."""
    value = params / 1e6
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def compare_blocks(networks: list[CheckedNetwork]) -> tuple[list[Block], str]:
    """The comparison table as blocks, and the note that says what it leaves out."""
    act = hidden_activation(networks)
    parts = [_segments(n, act is None) for n in networks]
    blocks = [
        Block(((*(n.name for n in networks),),
               tuple(f"{len(_weighted(n))} weight layers" for n in networks))),
        Block(((*(f"input ({fmt_shape(n.input)})" for n in networks),),), span=True),
    ]
    for i in range(max(len(stages) for stages, _, _ in parts)):
        blocks.append(Block(_aligned([stages[i] if i < len(stages) else [] for stages, _, _ in parts])))
        blocks.append(Block(_aligned([[pools[i]] if i < len(pools) else [] for _, pools, _ in parts]), span=True))
    blocks.append(Block(_aligned([head for _, _, head in parts]), span=True))
    blocks.append(Block((tuple(f"{millions(n.params)} M params" for n in networks),)))
    return [b for b in blocks if b.rows], _note(networks, act)


def _note(networks: list[CheckedNetwork], act: str | None) -> str:
    left_out = sorted({row.layer.op for n in networks for row in n.rows if row.layer.kind.name in _LEFT_OUT})
    parts = [f"{act} after every weight layer but the last"] if act else []
    parts += left_out
    return ("Not shown, as in the paper: " + "; ".join(parts) + ".") if parts else ""


def compare(networks: list[CheckedNetwork], fmt: str = "md") -> str:
    """Networks side by side, VGG Table 1 style, as md, latex or html."""
    blocks, note = compare_blocks(networks)
    return WRITERS[fmt](blocks, note, ("c",) * len(networks))


# ---- the per-layer listing (archc check --format) ---------------------------------------


def listing_blocks(network: CheckedNetwork) -> tuple[list[Block], str]:
    """`archc check`'s table as blocks: header, input and layers, totals."""
    total = ("total", "", fmt_shape(network.output), f"{network.params:,}", f"{network.macs:,}",
             f"{network.activation_elements:,}", "", "")
    note = (f"network {network.name} ({network.source.name}): MACs are multiply-accumulates; "
            f"FLOPs = 2 × MACs = {network.flops:,}. Memory counts activation values per example "
            f"({fp32_size(network.activation_elements)} at fp32).")
    return [Block((HEADERS,)), Block(tuple(listing_rows(network))), Block((total,))], note


def listing(network: CheckedNetwork, fmt: str = "md") -> str:
    """The per-layer table of one network as md or latex (or html)."""
    blocks, note = listing_blocks(network)
    return WRITERS[fmt](blocks, note, tuple("r" if h in RIGHT else "l" for h in HEADERS))


# ---- writers: one per format ------------------------------------------------------------------


def _spans(block: Block, row: tuple[str, ...]) -> bool:
    return block.span and len(row) > 1 and len(set(row)) == 1


def markdown(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A GitHub-flavoured table, padded so the source reads as a table too.
    Markdown cannot span columns, so a spanning cell is repeated."""
    rows = [[md_escape(c) for c in row] for block in blocks for row in block.rows]
    widths = [max(3, *(len(r[i]) for r in rows)) for i in range(len(align))]
    rules = {"c": lambda w: ":" + "-" * (w - 2) + ":", "l": lambda w: "-" * w, "r": lambda w: "-" * (w - 1) + ":"}
    pad = {"c": str.center, "l": str.ljust, "r": str.rjust}
    lines = [_md_row([pad[a](c, w) for a, c, w in zip(align, row, widths)]) for row in rows]
    lines.insert(1, _md_row([rules[a](w) for a, w in zip(align, widths)]))
    return "\n".join(lines) + (f"\n\n{md_escape(note)}\n" if note else "\n")


def md_escape(text: str) -> str:
    """A cell's text (names come from spec files and their names) as Markdown
    shows it, never as markup that changes the page: one line (a line break
    could start a heading), no raw HTML, no cell break."""
    import html

    return html.escape(_one_line(text), quote=False).replace("|", "\\|")


def _one_line(text: str) -> str:
    """Text on one line: control characters (line breaks among them) as spaces."""
    return "".join(c if c.isprintable() else " " for c in text)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                                                      "\\": r"\textbackslash{}", "×": r"$\times$"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in _one_line(text))


def latex(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A booktabs tabular; spanning rows as \\multicolumn; the note below it."""
    lines = ["% archc table; needs \\usepackage{booktabs}", f"\\begin{{tabular}}{{{''.join(align)}}}", "\\toprule"]
    for i, block in enumerate(blocks):
        if i:
            lines.append("\\midrule")
        for row in block.rows:
            if _spans(block, row):
                lines.append(f"\\multicolumn{{{len(row)}}}{{c}}{{{latex_escape(row[0])}}} \\\\")
            else:
                lines.append(" & ".join(latex_escape(c) for c in row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    if note:
        lines += ["", f"\\smallskip{{\\footnotesize {latex_escape(note)}}}"]
    return "\n".join(lines) + "\n"


def html_table(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A plain HTML table: a thead, a tbody per block, colspan for spanning rows."""
    import html  # cli imports this module for every command; only --format html needs html

    style = {"c": "center", "l": "left", "r": "right"}
    lines = ['<table class="archlang">']
    for i, block in enumerate(blocks):
        tag, cell = ("thead", "th") if i == 0 else ("tbody", "td")
        lines.append(f"  <{tag}>")
        for row in block.rows:
            if _spans(block, row):
                cells = f'<{cell} colspan="{len(row)}" style="text-align:center">{html.escape(row[0])}</{cell}>'
            else:
                cells = "".join(f'<{cell} style="text-align:{style[a]}">{html.escape(c)}</{cell}>'
                                for a, c in zip(align, row))
            lines.append(f"    <tr>{cells}</tr>")
        lines.append(f"  </{tag}>")
    lines.append("</table>")
    if note:
        lines.append(f"<p>{html.escape(note)}</p>")
    return "\n".join(lines) + "\n"


WRITERS = {"md": markdown, "latex": latex, "html": html_table}
