"""Shape rules of the kinds that rearrange channels: ShuffleNet V2's channel
split (`chunk`) and channel shuffle (`shuffle`). Their entries are in the table
of kinds (layers.py); their rules live here to keep that module short.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .options import RuleError
from .units import Shape

Opts = Mapping[str, Any]


def chunk_shape(opts: Opts, x: Shape) -> Shape:
    """One of `of` equal channel chunks: the count must divide the channels
    (torch.chunk would give a short last chunk; a spec says what it means)."""
    index, of = opts["index"], opts["of"]
    if x[0] % of:
        raise RuleError("E303", f"chunk({index}, {of}) needs channels divisible by {of}, but the input has {x[0]}",
                        f"{x[0]} / {of} = {x[0] / of:g}")
    if index >= of:
        raise RuleError("E308", f"chunk({index}, {of}) takes chunk {index} of {of}, but they are numbered "
                        f"0 to {of - 1}", f"write chunk(0, {of}) ... chunk({of - 1}, {of})")
    return (x[0] // of, *x[1:])


def shuffle_shape(opts: Opts, x: Shape) -> Shape:
    groups = opts["groups"]
    if x[0] % groups:
        raise RuleError("E303", f"shuffle({groups}) needs channels divisible by {groups}, but the input has {x[0]}",
                        f"{x[0]} / {groups} = {x[0] / groups:g}")
    return x
