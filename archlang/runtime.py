"""Runtime: a spec to a live `nn.Module`, by executing the source codegen writes.

`build` checks the spec, asks codegen for the same Python text `archc build`
writes, compiles and executes it, and instantiates the network class. One code
path for the file and the module, so the two cannot disagree. This is the only
module of archlang that imports torch.
"""

from __future__ import annotations

import contextlib
import linecache
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import codegen
from .check import CheckedNetwork, check


def build(path_or_text: str | Path, device: str | torch.device | None = None, **params: Any) -> nn.Module:
    """The network of a spec (a path or its text) as an `nn.Module`, with
    parameters overriding the network's defaults. `device="meta"` builds it
    without allocating: shapes and parameter counts, no memory."""
    return instantiate(check(path_or_text, **params), device)


def instantiate(network: CheckedNetwork, device: str | torch.device | None = None) -> nn.Module:
    """An `nn.Module` for a checked network, built on `device`."""
    generated = codegen.generate(network)
    cls = load(generated)[generated.class_name]
    # torch.device as a context makes every tensor __init__ creates start there.
    with torch.device(device) if device is not None else contextlib.nullcontext():
        return cls()


def load(generated: codegen.Generated) -> dict[str, Any]:
    """Execute generated source and return its namespace. The source is
    registered with linecache so tracebacks and `inspect` show its lines."""
    lines = generated.source.splitlines(keepends=True)
    linecache.cache[generated.filename] = (len(generated.source), None, lines, generated.filename)
    namespace: dict[str, Any] = {"__name__": f"archlang.generated.{generated.class_name}"}
    # The generated source holds only validated identifiers, numbers and escaped comments.
    exec(compile(generated.source, generated.filename, "exec"), namespace)  # noqa: S102
    return namespace
