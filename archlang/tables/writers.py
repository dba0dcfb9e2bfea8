"""The writers: a table built as `Block`s of cells, as Markdown, LaTeX or HTML.

A table is built once as blocks of rows and then written by one small writer
per format, so the formats cannot disagree about what is in it. A cell is
text, or a `Stack`: layers in brackets repeated n times, as ResNet's Table 1
writes a block (`[3×3, 64; 3×3, 64] ×2`).
"""

from __future__ import annotations

from ..records import record


@record(frozen=True)
class Stack:
    """Layers in brackets, one above the other, repeated `times` times."""

    lines: tuple[str, ...]
    times: int

    def __str__(self) -> str:
        return f"[{'; '.join(self.lines)}] ×{self.times}"


Cell = str | Stack


@record(frozen=True)
class Block:
    """Rows that belong together (a stage, a pool, the classifier), ruled off
    from the block before in LaTeX and HTML unless `rule` is false. Where
    `span` is set, a row whose cells after the first `lead` ones (the row's
    name, its output size) are all equal is written as one spanning cell
    where the format can."""

    rows: tuple[tuple[Cell, ...], ...]
    span: bool = False
    lead: int = 0
    rule: bool = True


def _spans(block: Block, row: tuple[Cell, ...]) -> bool:
    cells = row[block.lead:]
    return block.span and len(cells) > 1 and len(set(cells)) == 1


def _one_line(text: str) -> str:
    """Text on one line: control characters (line breaks among them) as spaces."""
    return "".join(c if c.isprintable() else " " for c in text)


# ---- Markdown ---------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """A cell's text (names come from spec files and their names) as Markdown
    shows it, never as markup that changes the page: one line (a line break
    could start a heading), no raw HTML, no cell break."""
    import html

    return html.escape(_one_line(text), quote=False).replace("|", "\\|")


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A GitHub-flavoured table, padded so the source reads as a table too.
    Markdown cannot span columns, so a spanning cell is repeated."""
    rows = [[md_escape(str(c)) for c in row] for block in blocks for row in block.rows]
    widths = [max(3, *(len(r[i]) for r in rows)) for i in range(len(align))]
    rules = {"c": lambda w: ":" + "-" * (w - 2) + ":", "l": lambda w: "-" * w, "r": lambda w: "-" * (w - 1) + ":"}
    pad = {"c": str.center, "l": str.ljust, "r": str.rjust}
    lines = [_md_row([pad[a](c, w) for a, c, w in zip(align, row, widths)]) for row in rows]
    lines.insert(1, _md_row([rules[a](w) for a, w in zip(align, widths)]))
    return "\n".join(lines) + (f"\n\n{md_escape(note)}\n" if note else "\n")


# ---- LaTeX ------------------------------------------------------------------------------------

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_LATEX_SPECIAL = ({c: "\\" + c for c in "&%$#_{}"}
                  | {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                     "×": r"$\times$"}
                  | {s: f"\\textsuperscript{{{d}}}" for d, s in enumerate(_SUPERSCRIPTS)})


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in _one_line(text))


def _latex_cell(cell: Cell) -> str:
    """Text escaped; a stack as the paper sets it, a bracketed column of layers times n."""
    if isinstance(cell, str):
        return latex_escape(cell)
    column = "\\\\".join(latex_escape(line) for line in cell.lines)
    return f"$\\left[\\begin{{tabular}}{{@{{}}c@{{}}}}{column}\\end{{tabular}}\\right]\\times{cell.times}$"


#: Shrinks the table to the line's width when it is wider, and only then
#: (graphicx: \width is the table's natural width inside \resizebox); not
#: indented, or the paragraph's indent would make a full-width table too wide.
_FIT = "\\noindent\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%"


def latex(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A booktabs tabular, no wider than the line; spanning rows as \\multicolumn; the note below it."""
    lines = ["% archc table; needs \\usepackage{booktabs,graphicx}", _FIT,
             f"\\begin{{tabular}}{{{''.join(align)}}}", "\\toprule"]
    for i, block in enumerate(blocks):
        if i and block.rule:
            lines.append("\\midrule")
        for row in block.rows:
            cells = [_latex_cell(c) for c in row]
            if _spans(block, row):
                cells = [*cells[:block.lead], f"\\multicolumn{{{len(row) - block.lead}}}{{c}}{{{cells[-1]}}}"]
            lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}}"]
    if note:
        lines += ["", f"\\smallskip{{\\footnotesize {latex_escape(note)}}}"]
    return "\n".join(lines) + "\n"


# ---- HTML -------------------------------------------------------------------------------------

_STACK_STYLE = "display:inline-block;vertical-align:middle;border-left:1px solid;border-right:1px solid;padding:0 4px"


def _html_cell(cell: Cell) -> str:
    import html

    if isinstance(cell, str):
        return html.escape(cell)
    column = "<br/>".join(html.escape(line) for line in cell.lines)
    return f'<span class="stack" style="{_STACK_STYLE}">{column}</span> ×{cell.times}'


def _sections(blocks: list[Block]) -> list[list[Block]]:
    """The blocks as HTML sections: the head, then a new tbody at each ruled block."""
    sections: list[list[Block]] = []
    for i, block in enumerate(blocks):
        if i <= 1 or block.rule:
            sections.append([])
        sections[-1].append(block)
    return sections


def _html_row(block: Block, row: tuple[Cell, ...], cell: str, align: tuple[str, ...]) -> str:
    style = {"c": "center", "l": "left", "r": "right"}
    cells = [f'<{cell} style="text-align:{style[a]}">{_html_cell(c)}</{cell}>' for a, c in zip(align, row)]
    if _spans(block, row):
        cells = [*cells[:block.lead],
                 f'<{cell} colspan="{len(row) - block.lead}" style="text-align:center">{_html_cell(row[-1])}</{cell}>']
    return f"    <tr>{''.join(cells)}</tr>"


def html_table(blocks: list[Block], note: str, align: tuple[str, ...]) -> str:
    """A plain HTML table: a thead, a tbody per ruled block, colspan for spanning rows."""
    import html  # cli imports this package for every command; only --format html needs html

    lines = ['<table class="archlang">']
    for i, section in enumerate(_sections(blocks)):
        tag, cell = ("thead", "th") if i == 0 else ("tbody", "td")
        lines.append(f"  <{tag}>")
        lines += [_html_row(block, row, cell, align) for block in section for row in block.rows]
        lines.append(f"  </{tag}>")
    lines.append("</table>")
    if note:
        lines.append(f"<p>{html.escape(note)}</p>")
    return "\n".join(lines) + "\n"


WRITERS = {"md": markdown, "latex": latex, "html": html_table}

