"""Limits: what archlang refuses because no real network needs it, in one frozen object.

Every stage that guards against a hostile or mistaken spec reads its bound
from a `Limits`, passed down explicitly (never mixed into a network's
parameters). Each limit has its own error code and its own command-line flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import fields, record, replace

#: Largest number accepted for a size, count, stride or repeat.
MAX_INT = 2**31 - 1
#: Most digits a number literal may have: far past any size, well inside the
#: 4,300 digits Python turns into an int.
MAX_DIGITS = 100


@record(frozen=True)
class Limits:
    """The bounds of one check (and build).

    - `max_layers`: layers a spec may expand to once repeats are unrolled (E307);
    - `max_bytes`: the size of a spec file, an import, or text given to the API (E100);
    - `max_depth`: how deep brackets may nest (E109);
    - `max_import_depth`: how many files deep imports may chain (E215);
    - `max_memory`: bytes a built network's parameters and buffers may take at fp32 (E403).
    """

    # Both defaults are what the worst input within them costs (benchmarks/worst_case.py):
    # about 25 us per layer checked and 100 us per line written out, so 50,000 layers and
    # 64 KiB of text keep every check under 2 s and 500 MiB. The largest real spec has
    # about 4,000 layers (ResNet-1202) and 3 KB (the zoo's Inception-v3); raise them for more.
    max_layers: int = 50_000
    max_bytes: int = 64 * 1024
    max_depth: int = 100
    max_import_depth: int = 32
    max_memory: int = 4 * 1024**3

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def updated(self, values: Mapping[str, Any]) -> Limits:
        """These limits with some replaced; an unknown name is a TypeError."""
        unknown = set(values) - set(self.names())
        if unknown:
            raise TypeError(f"unknown limit {min(unknown)!r}; the limits are: {', '.join(self.names())}")
        for name, value in values.items():
            ceiling = getattr(CEILING, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
                raise ValueError(f"{name} must be a whole number from 1 to {ceiling:,}, not {value!r}")
        return replace(self, **values)


DEFAULT = Limits()

#: The most each limit may be raised to: past these a Python process would fail
#: (a buffer of 2**63 bytes) before archlang could refuse anything.
CEILING = Limits(max_layers=2**40, max_bytes=1024**3, max_depth=1_000_000, max_import_depth=1_000,
                 max_memory=1024**5)


def as_limits(value: Limits | Mapping[str, Any] | None) -> Limits:
    """A `Limits` from None (the defaults), a `Limits`, or a mapping of some of them."""
    if value is None:
        return DEFAULT
    if isinstance(value, Limits):
        return value
    return DEFAULT.updated(value)
