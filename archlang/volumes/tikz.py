r"""The TikZ writer: a `Figure` as a tikzpicture, bare (to \input into a paper) or in a LaTeX
document whose page is the figure.

Canvas pixels become 0.75 pt with y pointing down, so the coordinates are the SVG's. Colours
are written inline as xcolor specifications, so the document needs only tikz and geometry.
Every text from the spec goes through `latex_escape`.
"""

from __future__ import annotations

from .shapes import Figure, Line, Poly, Shape2D, Text, num

_LATEX = {
    "\\": r"\textbackslash{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': "{''}",
    "'": "{'}",
    "`": "{`}",
    "-": "-{}",  # so that -- and --- stay hyphens, not dashes
    "×": r"$\times$",
    "→": r"$\rightarrow$",
    "…": r"\dots{}",
    "–": "--",
}


def latex_escape(text: str) -> str:
    """Text that LaTeX typesets as written, in the default (OT1) fonts: its specials escaped,
    control characters dropped, and characters outside ASCII that pdflatex's fonts may lack
    written as `?`."""
    out = []
    for char in text:
        if char in _LATEX:
            out.append(_LATEX[char])
        elif " " <= char <= "~":
            out.append(char)
        elif char.isprintable():
            out.append("?")
    return "".join(out)


def tikz(fig: Figure, standalone: bool = True) -> str:
    """The figure as a tikzpicture (1 px = 0.75 pt, y down as in the SVG), wrapped in a LaTeX
    document whose page is the figure unless `standalone` is False (then \\input it into a
    document that loads tikz). The document needs only tikz and geometry, not the standalone class."""
    picture = _picture(fig)
    if not standalone:
        return "\n".join([*picture, ""])
    return "\n".join([*_preamble(fig), *picture, r"\end{document}", ""])


def _picture(fig: Figure) -> list[str]:
    """The lines of the tikzpicture, each group after a comment naming it."""
    width, height = num(fig.width), num(fig.height)
    picture = [
        f"% {latex_escape(fig.title)}: archc render --style volumes",
        r"\begin{tikzpicture}[x=0.75pt, y=-0.75pt, line join=round, >=stealth]",
        # the canvas, margins included, whatever the items cover
        rf"\useasboundingbox (0,0) rectangle ({width},{height});",
    ]
    for group in fig.groups:
        picture.append(f"% {group.kind} {latex_escape(group.name)}")
        picture += [_item(item) for item in group.items]
    picture.append(r"\end{tikzpicture}")
    return picture


def _preamble(fig: Figure) -> list[str]:
    """The head of a document whose page is exactly the figure: geometry sets the page size, so
    plain article serves and the standalone class is not needed."""
    page = f"paperwidth={num(fig.width * 0.75)}pt, paperheight={num(fig.height * 0.75)}pt, margin=0pt"
    return [
        r"\documentclass{article}",
        rf"\usepackage[{page}]{{geometry}}",
        r"\usepackage{tikz}",
        r"\pagestyle{empty}",
        r"\begin{document}",
        r"\noindent",
    ]


def _colour(hex_colour: str) -> str:
    """#rrggbb as an xcolor specification, so the document needs no colour definitions."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{red};green,{green};blue,{blue}}}"


def _item(item: Shape2D) -> str:
    """One polygon, path or text as a TikZ command."""
    if isinstance(item, Text):
        return _node(item)
    if isinstance(item, Poly):
        return _filldraw(item)
    return _draw(item)


def _coords(item: Poly | Line) -> list[str]:
    """An item's points as TikZ coordinates."""
    return [f"({num(x)},{num(y)})" for x, y in item.points]


def _node(item: Text) -> str:
    """A text as a \\node, anchored on its baseline as SVG anchors it."""
    anchor = {"start": "base west", "middle": "base", "end": "base east"}[item.anchor]
    font = rf"\sffamily\fontsize{{{num(item.size * 0.75)}}}{{{num(item.size * 0.9)}}}\selectfont"
    font += r"\bfseries" if item.bold else ""
    turn = f", rotate={num(item.angle)}" if item.angle else ""
    return (
        rf"\node[anchor={anchor}, inner sep=0pt, font={font}, text={_colour(item.colour)}{turn}] "
        rf"at ({num(item.x)},{num(item.y)}) {{{latex_escape(item.text)}}};"
    )


def _filldraw(item: Poly) -> str:
    """A polygon as a closed, filled and stroked path."""
    opacity = f", fill opacity={num(item.opacity)}" if item.opacity < 1 else ""
    return (
        rf"\filldraw[fill={_colour(item.fill)}, draw={_colour(item.stroke)}, "
        rf"line width={num(item.width * 0.75)}pt{opacity}] {' -- '.join(_coords(item))} -- cycle;"
    )


def _draw(item: Line) -> str:
    """A line as an open path: straight segments, or one Bézier with two control points."""
    coords = _coords(item)
    options = [f"draw={_colour(item.stroke)}", f"line width={num(item.width * 0.75)}pt"]
    options += ["dashed"] * item.dashed + ["->"] * item.arrow
    path = (
        f"{coords[0]} .. controls {coords[1]} and {coords[2]} .. {coords[3]}"
        if item.curve
        else " -- ".join(coords)
    )
    return rf"\draw[{', '.join(options)}] {path};"
