"""archlang: neural-network architectures in the notation of papers.

    >>> import archlang
    >>> net = archlang.check("architectures/vgg16.arch")
    >>> net.params, net.output
    (138357544, (1000,))

`check` parses and checks a spec (a path or its text) and returns the checked
network; every problem raises one `ArchError` carrying all diagnostics.
"""

from .check import CheckedNetwork, Layer, Row, check
from .diagnostics import ArchError, Diagnostic
from .layers import fmt_shape

__all__ = ["ArchError", "CheckedNetwork", "Diagnostic", "Layer", "Row", "check", "fmt_shape"]
__version__ = "0.1.0"
