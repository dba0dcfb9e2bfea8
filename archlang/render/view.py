"""What a diagram shows and how large: the options of `archc render` as one value.

A `View` is what the drawer and the Graphviz writer both read: whether repeats
are unrolled, the direction, how deep clusters are drawn (`depth`), whether
names and parameters are shown, the page size and resolution, how many
columns the main chain wraps into, and the fonts. `slide()` is the preset for
a 16:9 slide: larger type, and the chain wrapped into as many columns as make
the picture fit the slide's shape (chosen when the diagram is laid out).
"""

from __future__ import annotations

from ..records import field, record, replace

#: A 16:9 slide (PowerPoint's and Keynote's default), in inches.
SLIDE_SIZE = (13.333, 7.5)
PRESETS = ("default", "slide")


@record(frozen=True)
class Fonts:
    """Point sizes: the title, a box's operation line, its small lines (names,
    parameters), the shapes on edges, the legend and cluster titles."""

    title: float = 14
    node: float = 12
    small: float = 9
    edge: float = 9
    legend: float = 9
    cluster: float = 12

    @property
    def smallest(self) -> float:
        return min(self.title, self.node, self.small, self.edge, self.legend, self.cluster)


#: The slide preset's type: 12 pt at the least, read from the back of a room.
SLIDE_FONTS = Fonts(title=20, node=16, small=12, edge=12, legend=12, cluster=14)


@record(frozen=True)
class View:
    """The options of a diagram (see `archc render --help`)."""

    unroll: bool = False
    rankdir: str = "TB"
    depth: int | None = None  # clusters nested deeper than this are drawn as one box
    names: bool = True
    params: bool = True
    size: tuple[float, float] | None = None  # inches; the drawing is scaled down to fit
    dpi: float | None = None
    wrap: int | None = None  # columns (TB) or rows (LR) the top-level chain is wrapped into
    fit: bool = False  # choose `wrap` so that the picture has a slide's shape
    fonts: Fonts = field(default_factory=Fonts)

    def __post_init__(self) -> None:
        if self.rankdir not in ("TB", "LR"):
            raise ValueError(f"rankdir must be TB or LR, not {self.rankdir}")
        if self.depth is not None and self.depth < 0:
            raise ValueError(f"depth must be 0 or more, not {self.depth}")
        if self.wrap is not None and self.wrap < 1:
            raise ValueError(f"wrap must be 1 or more, not {self.wrap}")
        if self.size is not None and not all(v > 0 for v in self.size):
            raise ValueError(f"size must be two positive numbers of inches, not {self.size}")
        if self.dpi is not None and self.dpi <= 0:
            raise ValueError(f"dpi must be positive, not {self.dpi}")


def make_view(preset: str = "default", **options: object) -> View:
    """A View from a preset and options; an option given explicitly (not None) wins over the preset's."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset}")
    given = {key: value for key, value in options.items() if value is not None}
    base = View()
    if preset == "slide":
        base = View(size=SLIDE_SIZE, dpi=144, fit=True, fonts=SLIDE_FONTS)
        if "wrap" in given:
            given["fit"] = False  # columns asked for by hand
    return replace(base, **given)


def parse_size(text: str) -> tuple[float, float]:
    """`W,H` in inches (`13.3,7.5`; `x` also separates), as Graphviz's `size`; ValueError if not."""
    parts = text.replace("x", ",").split(",")
    try:
        width, height = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"size must be W,H in inches, e.g. 13.3,7.5, not {text!r}") from None
    if not (0 < width < 1000 and 0 < height < 1000):
        raise ValueError(f"size must be two positive numbers of inches below 1000, not {text!r}")
    return width, height
