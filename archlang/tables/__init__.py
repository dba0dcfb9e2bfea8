"""Tables: checked networks as Markdown, LaTeX and HTML tables for papers and slides.

`table` sets networks out in the form of the paper their structure follows,
or the form asked for: `vgg` (Table 1 of Simonyan & Zisserman: a column per
network, stages aligned between the pools), `resnet` (Table 1 of He et al.:
a row per stage, blocks as bracketed stacks ×n, FLOPs) or `googlenet`
(Table 1 of Szegedy et al.: a row per layer or inception module, with the
module's path widths, depth, parameters and operations). `listing` is
`archc check`'s per-layer table. Each form builds `Block`s of cells
(`vgg`, `resnet`, `googlenet`); `writers` writes them in every format.

`cli` imports this package for every command, so the forms are imported
when a table is made (the names below are loaded on first use).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..checker.checked import CheckedNetwork
    from .googlenet import googlenet_blocks
    from .resnet import resnet_blocks
    from .vgg import compare_blocks, hidden_activation, listing_blocks, millions, paper_label
    from .writers import Block, Stack, latex_escape, md_escape

__all__ = [
    "FORMATS",
    "STYLES",
    "Block",
    "Stack",
    "accounting",
    "choose_style",
    "compare",
    "compare_blocks",
    "googlenet_blocks",
    "hidden_activation",
    "latex_escape",
    "listing",
    "listing_blocks",
    "md_escape",
    "millions",
    "paper_label",
    "resnet_blocks",
    "table",
]

FORMATS = ("md", "latex", "html")  # the keys of writers.WRITERS
STYLES = ("vgg", "resnet", "googlenet")

#: Where each name of the package lives, loaded on first use (PEP 562).
_HOMES = {"googlenet_blocks": "googlenet", "resnet_blocks": "resnet", "compare_blocks": "vgg",
          "hidden_activation": "vgg", "listing_blocks": "vgg", "millions": "vgg", "paper_label": "vgg",
          "Block": "writers", "Stack": "writers", "latex_escape": "writers", "md_escape": "writers"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)


def choose_style(networks: list[CheckedNetwork]) -> str:
    """The paper whose table fits the networks: concat modules on the main
    path (in any of them) read as GoogLeNet's, residual blocks (in every one)
    as ResNet's, anything else as VGG's."""
    from .paths import Module, is_residual, main_path

    paths = [main_path(n.tree) for n in networks]
    if any(any(isinstance(u, Module) for u in units) for units in paths):
        return "googlenet"
    if paths and all(any(is_residual(u) for u in units) for units in paths):
        return "resnet"
    return "vgg"


def table(networks: list[CheckedNetwork], fmt: str = "md", style: str | None = None,
          names: list[str] | None = None) -> str:
    """The networks as one paper table in `style` (chosen from their structure
    when None), as md, latex or html; `names` head the columns (default: the
    networks' names). GoogLeNet's form has no column per network: several
    networks give one table each, `names` naming them in the note."""
    from .googlenet import googlenet_blocks
    from .resnet import resnet_blocks
    from .vgg import compare_blocks
    from .writers import WRITERS

    style = style or choose_style(networks)
    if style == "googlenet":
        tables = []
        for network, name in zip(networks, names or [n.name for n in networks]):
            blocks, note = googlenet_blocks(network, name)
            tables.append(WRITERS[fmt](blocks, note, ("l", "c", "c", *("r",) * (len(blocks[0].rows[0]) - 3))))
        return "\n".join(tables)
    blocks, note = (resnet_blocks if style == "resnet" else compare_blocks)(networks, names)
    return WRITERS[fmt](blocks, note, ("c",) * len(blocks[0].rows[0]))


def compare(networks: list[CheckedNetwork], fmt: str = "md", names: list[str] | None = None) -> str:
    """Networks side by side, VGG Table 1 style, as md, latex or html."""
    return table(networks, fmt, "vgg", names)


def listing(network: CheckedNetwork, fmt: str = "md") -> str:
    """The per-layer table of one network as md or latex (or html)."""
    from ..report import HEADERS, RIGHT
    from .vgg import listing_blocks
    from .writers import WRITERS

    blocks, note = listing_blocks(network)
    return WRITERS[fmt](blocks, note, tuple("r" if h in RIGHT else "l" for h in HEADERS))


def accounting(network: CheckedNetwork, fmt: str = "md") -> str:
    """The accounting of one network (parameters by kind, memory) as md, latex or html."""
    from .vgg import accounting_blocks
    from .writers import WRITERS

    blocks, note = accounting_blocks(network)
    return WRITERS[fmt](blocks, note, ("l", "r", "r", "l"))
