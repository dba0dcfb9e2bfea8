"""The kind record: what the table of kinds (layers.py) holds for each layer kind.

Its own module so that kinds defined outside layers.py (channel_kinds.py) can
build records without importing the table they join.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .options import Option
from .records import field, record
from .units import Shape

Opts = Mapping[str, Any]


class NetworkInput(tuple[int, ...]):
    """The network's input shape as the walk starts it, before any layer: the
    only place token ids can be, so the only shape `embed` may read. Any shape
    rule that computes a new shape returns a plain tuple, which ends the mark."""

    __slots__ = ()


def _zero(opts: Opts, x: Shape, y: Shape) -> int:
    return 0


def _no_window(opts: Opts, x: Shape) -> None:
    return None


# ---- the kind record ------------------------------------------------------------


@record(frozen=True)
class Kind:
    """One layer kind. Rules take the resolved options and the input shape
    (and the output shape, for parameters, buffers and MACs).

    `size`, `count` and `stride` name the options filled by the notation
    `NAME<size>-<count>/<stride>`; `positional` those filled by `NAME(a, b)`.
    `family` groups kinds for colours and naming (conv, pool, fc, norm, act,
    other); `weighted` kinds get the file's default activation; `defaults`
    lists, in order, the file-wide defaults (`act`, `pad`, `bn`, `bias`, ...) the
    kind takes. `buffers` counts values a built layer keeps besides its
    parameters (batch norm's running statistics). `prefix` starts generated
    names (pool1, bn1); `paper` is the kind's name in a paper's table (FC-4096,
    LRN). `flatten_input`: a spatial input is flattened first (fc);
    `reads_tokens`: it reads token ids, so only the network's input (embed);
    `activation`: `act=` may name it; `internal`: the checker makes it (a
    shortcut), a spec cannot write it.
    """

    name: str
    family: str
    options: tuple[Option, ...]
    shape: Callable[[Opts, Shape], Shape]
    label: Callable[[Opts], str]
    params: Callable[[Opts, Shape, Shape], int] = _zero
    macs: Callable[[Opts, Shape, Shape], int] = _zero
    buffers: Callable[[Opts, Shape, Shape], int] = _zero
    window: Callable[[Opts, Shape], tuple[tuple[int, ...], tuple[int, ...]] | None] = _no_window
    aliases: tuple[str, ...] = ()
    size: str | None = None
    count: str | None = None
    stride: str | None = None
    positional: tuple[str, ...] = ()
    weighted: bool = False
    defaults: tuple[str, ...] = ()
    prefix: str = ""
    paper: Callable[[Opts], str] | None = None
    flatten_input: bool = False
    reads_tokens: bool = False
    activation: bool = False
    internal: bool = False
    doc: str = ""
    option_index: dict[str, Option] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for option in self.options:
            for key in (option.name, *option.aliases):
                self.option_index[key] = option
        if not self.prefix:  # relu6's layers are relu6_1, not relu61
            object.__setattr__(self, "prefix", self.name + "_" * self.name[-1].isdigit())

    def option(self, key: str) -> Option | None:
        return self.option_index.get(key)

    def paper_label(self, opts: Opts) -> str:
        """The kind as a paper's table writes it (the notation where the paper has no name of its own)."""
        return self.paper(opts) if self.paper else self.label(opts)
