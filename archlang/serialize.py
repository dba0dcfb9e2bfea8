"""Serialisation: a checked network, or a failed check, as one JSON object.

`archc check --json` and the API write through here, so there is one place
that says what the JSON holds.
"""

from __future__ import annotations

from typing import Any

from .checker.checked import CheckedNetwork, Row
from .diagnostics import Diagnostic
from .source import displayable


def network_json(network: CheckedNetwork) -> dict[str, Any]:
    """A checked network: totals, every layer, and the warnings."""
    return {
        "network": network.name,
        "file": network.source.name,
        "input": list(network.input or ()),
        "output": list(network.output or ()),
        "side_outputs": [list(shape) for shape in network.side_outputs],
        "params": network.params,
        "macs": network.macs,
        "flops": network.flops,
        "layers": [row_json(row) for row in network.rows],
        "diagnostics": [d.to_json() for d in network.diagnostics],
    }


def row_json(row: Row) -> dict[str, Any]:
    layer = row.layer
    return {
        "name": row.name,
        "depth": row.depth,
        "op": layer.op,
        "kind": layer.kind.name,
        "act": layer.act_name,
        "bn": bool(layer.opts.get("bn")),
        "file": layer.origin,
        "line": layer.span.line,
        "col": layer.span.col,
        "in": list(layer.in_shape),
        "out": list(layer.out_shape),
        "params": layer.params,
        "macs": layer.macs,
        "memory": layer.elements,
        "rf": list(row.rf[0]) if row.rf else None,
        "jump": list(row.rf[1]) if row.rf else None,
    }


def failure_json(path: str, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """A check that failed: its diagnostics."""
    return {
        "network": None,
        "file": displayable(path),
        "input": None,
        "output": None,
        "params": None,
        "macs": None,
        "layers": [],
        "diagnostics": [d.to_json() for d in diagnostics],
    }
