"""Jupyter display: a checked network shown as its diagram in a notebook.

The checked tree knows nothing of notebooks; this module, on top of the
stages, registers a display formatter with IPython when archlang is imported
inside it. Without Graphviz the plain repr is shown.
"""

from __future__ import annotations

import sys
from typing import Any

from .checker.checked import CheckedNetwork


def svg(network: CheckedNetwork) -> str | None:
    """The network's diagram as SVG, or None (the plain repr) when Graphviz is missing."""
    from . import render  # graphviz is imported only to draw

    return render.svg_or_none(network)


def register(ipython: Any = None) -> bool:
    """Teach IPython to show checked networks as diagrams; False outside IPython."""
    if ipython is None:
        module = sys.modules.get("IPython")
        get = getattr(module, "get_ipython", None)
        ipython = get() if get else None
    if ipython is None:
        return False
    formatter = ipython.display_formatter.formatters["image/svg+xml"]
    formatter.for_type(CheckedNetwork, svg)
    return True
