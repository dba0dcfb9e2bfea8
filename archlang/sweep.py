"""Sweep: one spec checked at several parameter values, one summary row each.

The researcher sizing a variant asks what k = 64, 128, 256 filters cost
before training any: `archc check f.arch --sweep k=64,128,256` checks the
spec once per value (every combination, for several --sweep options) and
prints a row per point: the values, parameters, MACs and the output shape;
a point with errors says its first error instead of figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from .checker.evaluate import parse_value
from .options import describe
from .pipeline import Analysis
from .records import record
from .units import aligned, fmt_shape, short_count


@record(frozen=True)
class Sweep:
    """A parameter and the values to check it at, in the order given."""

    name: str
    values: tuple[Any, ...]


def parse(text: str) -> Sweep:
    """`k=64,128,256` -> Sweep("k", (64, 128, 256)); ValueError saying what is wrong."""
    name, sep, values = text.partition("=")
    name = name.strip()
    items = values.split(",")
    if not sep or not name.isidentifier() or not all(v.strip() for v in items):
        raise ValueError(f"'{text}' is not NAME=VALUE,VALUE,... (e.g. --sweep k=64,128,256)")
    return Sweep(name, tuple(parse_value(v) for v in items))


def points(sweeps: tuple[Sweep, ...]) -> list[dict[str, Any]]:
    """Every combination of the values, the first sweep's changing slowest."""
    return [dict(zip((s.name for s in sweeps), combo)) for combo in itertools.product(*(s.values for s in sweeps))]


#: A summary row's figures, after the swept values.
HEADERS = ("params", "MACs", "output")


def _figures(analysis: Analysis) -> tuple[str, ...]:
    network = analysis.network
    if network is None or not analysis.ok:
        first = analysis.errors[0] if analysis.errors else None
        where = f" at {first.line}:{first.col}" if first and first.span else ""
        return ("", "", f"error {first.code}{where}" if first else "error")
    return (f"{network.params:,}", f"{network.macs:,} ({short_count(network.macs)})", fmt_shape(network.output))


def run(analyze: Callable[[Mapping[str, Any]], Analysis], sweeps: tuple[Sweep, ...]
        ) -> list[tuple[dict[str, Any], Analysis]]:
    """Each point of the sweep and what `analyze` found for it."""
    return [(point, analyze(point)) for point in points(sweeps)]


def table(title: str, results: list[tuple[dict[str, Any], Analysis]]) -> str:
    """The summary: a title line, then a row per point, figures right-aligned."""
    names = tuple(results[0][0]) if results else ()
    header = (*names, *HEADERS)
    rows = [header, *((*(describe(v) for v in point.values()), *_figures(a)) for point, a in results)]
    right = range(len(names) + 2)  # the values and the counts; the output shape reads from the left
    return "\n".join([title, *aligned(rows, right)])
