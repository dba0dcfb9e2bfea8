"""Jupyter display: a checked network shown as its table and diagram in a notebook.

The checked tree knows nothing of notebooks; this module, on top of the
stages, registers display formatters with IPython when archlang is imported
inside it: HTML (the per-layer table, the diagram under it when Graphviz is
there) and SVG (the diagram). Without Graphviz the HTML is the table alone;
the plain text is the one-line repr.
"""

from __future__ import annotations

import sys
from typing import Any

from .checker.checked import CheckedNetwork


def svg(network: CheckedNetwork) -> str | None:
    """The network's diagram as SVG, or None (the plain repr) when Graphviz is missing."""
    from . import render  # graphviz is imported only to draw

    return render.svg_or_none(network)


def html(network: CheckedNetwork) -> str:
    """The table of `archc check --format html`, the accounting (trainable,
    frozen, buffers, memory) under it, and the diagram when Graphviz is there."""
    from .tables import accounting, listing

    tables = f'{listing(network, "html")}{accounting(network, "html")}'
    picture = svg(network)
    if picture is None:
        return tables
    inline = picture[picture.find("<svg"):]  # no XML declaration or doctype inside HTML
    return f'{tables}\n<div class="archlang-diagram">{inline}</div>'


def register(ipython: Any = None) -> bool:
    """Teach IPython to show checked networks as diagrams; False outside IPython."""
    if ipython is None:
        module = sys.modules.get("IPython")
        get = getattr(module, "get_ipython", None)
        ipython = get() if get else None
    if ipython is None:
        return False
    formatters = ipython.display_formatter.formatters
    formatters["image/svg+xml"].for_type(CheckedNetwork, svg)
    formatters["text/html"].for_type(CheckedNetwork, html)
    return True
