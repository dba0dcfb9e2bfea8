"""archlang: neural-network architectures in the notation of papers.

    >>> import archlang
    >>> net = archlang.check("architectures/vgg16.arch")
    >>> net.params, net.output
    (138357544, (1000,))

`check` parses and checks a spec (a path or its text) and returns the checked
network; every problem raises one `ArchError` carrying all diagnostics.
`analyze` never raises: it returns what could be checked and every
diagnostic, for editors. `build` (imported on first use: it needs torch)
returns the network as a PyTorch module, from the same source `archc build`
writes. `render_volumes` draws a network as the 3-D volume figure of the
AlexNet and LeNet papers (SVG or TikZ).
"""

from . import report  # noqa: F401  (report gives CheckedNetwork its summary(), the table of archc check)
from ._version import __version__
from .checker.checked import CheckedNetwork, Layer, Row
from .diagnostics import ArchError, Diagnostic
from .limits import Limits
from .pipeline import Analysis, analyze, check
from .units import fmt_shape

__all__ = ["Analysis", "ArchError", "CheckedNetwork", "Diagnostic", "Layer", "Limits", "Row", "__version__",
           "analyze", "build", "check", "fmt_shape", "load_state_dict", "render_volumes"]


def __getattr__(name: str) -> object:
    # `build` imports torch, which takes seconds: only when it is asked for,
    # so `import archlang` and `archc check` never pay for it.
    if name in ("build", "load_state_dict"):
        from . import runtime

        return getattr(runtime, name)
    if name == "render_volumes":  # the volume figure (archlang/volumes/), loaded when first asked for
        from .volumes import render_volumes

        return render_volumes
    raise AttributeError(f"module 'archlang' has no attribute {name!r}")


def _register_notebook_display() -> None:
    import sys

    if "IPython" in sys.modules:  # only inside IPython: a plain import pays nothing
        from . import notebook

        notebook.register()


_register_notebook_display()
