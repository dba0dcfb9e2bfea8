"""Codegen: a checked network to standalone PyTorch source.

Two steps, as in Jinja's compiler. `lower.Lowering` visits the checked tree
and collects the bodies of the module classes (the submodules `__init__`
builds and the lines `forward` runs); `classes.classify` finds the block
classes, whose constructor arguments are the numbers that differ between
uses; `emit.FileWriter` writes the file. The PyTorch form of each kind and
join is in `torch_rules`, the helper classes in `helpers/`.

Nothing from a spec reaches the source except validated identifiers, numbers
from the layer table and comments passed through `comment_text`. The output
imports torch only, is byte-identical across runs, and passes `ruff format
--check`. The runtime executes this same text.
"""

from __future__ import annotations

from pathlib import Path

from ..checker.checked import CheckedNetwork
from ..diagnostics import ArchError, Diagnostic
from ..nodes import room_to_recurse
from ..records import record
from .classes import classify
from .emit import FileWriter
from .helpers import EXTRA_NAMES, HELPERS
from .lower import Body, Lowering
from .names import CLASS_ATTRIBUTES, MODULE_ATTRIBUTES, MODULE_NAMES, attribute, class_name, comment_text

__all__ = ["CLASS_ATTRIBUTES", "HELPERS", "MODULE_ATTRIBUTES", "MODULE_NAMES", "Generated", "attribute",
           "class_name", "generate", "python"]


@record(frozen=True)
class Generated:
    """Generated source, the class to instantiate, and the name tracebacks show."""

    source: str
    class_name: str
    filename: str


def generate(network: CheckedNetwork) -> Generated:
    """The standalone PyTorch source of a checked network; E109 (ArchError) for one
    nested past what a walk can follow (possible only with a raised --max-depth)."""
    try:
        with room_to_recurse():
            return _generate(network)
    except RecursionError:
        raise ArchError([Diagnostic("error", "E109", "the network nests too deeply to compile", None,
                                    network.source, "lower --max-depth, or nest fewer blocks")]) from None


def _generate(network: CheckedNetwork) -> Generated:
    name = class_name(network)
    lowering = Lowering(network)
    top = Body(top=True)
    lowering.visit(network.tree, top)
    names = Body(top=False, taken={name, "torch", "nn", "F", *HELPERS, *EXTRA_NAMES})
    classes = classify(lowering.instances, names)
    spec = comment_text(Path(network.source.name).name)
    writer = FileWriter(network, spec)
    return Generated(writer.write_file(name, top, classes), name, f"<archc {spec}>")


def python(network: CheckedNetwork) -> str:
    """The generated source as text: what `archc build` writes."""
    return generate(network).source
