"""Runtime: a spec to a live `nn.Module`, by executing the source codegen writes.

`build` checks the spec, asks codegen for the same Python text `archc build`
writes, compiles and executes it, and instantiates the network class. One code
path for the file and the module, so the two cannot disagree. This is the only
module of archlang that imports torch, and only once it builds a module: before
that, `refuse_large` sizes the network from the checker's parameter counts
(`archc build` asks it too, without torch), so a spec that would allocate too
much says how much instead of trying.
"""

from __future__ import annotations

import contextlib
import linecache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import codegen
from .check import CheckedNetwork, Layer, check
from .diagnostics import ArchError, Diagnostic
from .layers import fmt_shape
from .report import size_text

if TYPE_CHECKING:
    import torch
    from torch import nn

#: The most memory a built network's parameters and buffers may take (fp32),
#: unless `max_memory=` (or `archc build --max-memory`) says otherwise.
MAX_MEMORY = 4 * 1024**3
BYTES_PER_VALUE = 4  # fp32


def build(path_or_text: str | Path, device: str | torch.device | None = None, max_memory: int = MAX_MEMORY,
          **params: Any) -> nn.Module:
    """The network of a spec (a path or its text) as an `nn.Module`, with
    parameters overriding the network's defaults (and check's limits, such
    as max_layers=). `device="meta"` builds it without allocating: shapes and
    parameter counts, no memory. Elsewhere a network whose parameters and
    buffers would take more than `max_memory` bytes is refused first (E403)."""
    network = check(path_or_text, **params)
    if str(device) != "meta":
        refuse_large(network, max_memory)
    return instantiate(network, device)


def buffer_values(layer: Layer) -> int:
    """Values a layer keeps besides its parameters: batch norm's running mean
    and variance, and the fixed prototypes of LeNet-5's RBF units."""
    values = 2 * layer.out_shape[0] if layer.opts.get("bn") or layer.kind.name == "batchnorm" else 0
    if layer.kind.name == "rbf":
        values += layer.in_shape[0] * layer.out_shape[0]
    return values


def memory_needed(network: CheckedNetwork) -> int:
    """Bytes the built network's parameters and buffers take at fp32."""
    return BYTES_PER_VALUE * sum(row.layer.params + buffer_values(row.layer) for row in network.rows)


def refuse_large(network: CheckedNetwork, max_memory: int = MAX_MEMORY) -> None:
    """Raise E403, naming the largest layer, if the network needs more than
    `max_memory` bytes; nothing is allocated to find out."""
    needed = memory_needed(network)
    if needed <= max_memory:
        return
    biggest = max(network.rows, key=lambda row: row.layer.params + buffer_values(row.layer))
    layer = biggest.layer
    values = layer.params + buffer_values(layer)
    decls = network.module.networks
    span = layer.span if layer.origin is None else decls[0].span if decls else None
    message = (f"building {network.name} would allocate {size_text(needed)} for its parameters and buffers "
               f"at fp32, more than the limit of {size_text(max_memory)}")
    hint = (f"the largest layer is {biggest.name} ({layer.op} on {fmt_shape(layer.in_shape)}): {values:,} values, "
            f"{size_text(values * BYTES_PER_VALUE)}; shrink it, or raise the limit (max_memory=, archc build "
            "--max-memory)")
    raise ArchError([Diagnostic("error", "E403", message, span, network.source, hint)])


def instantiate(network: CheckedNetwork, device: str | torch.device | None = None) -> nn.Module:
    """An `nn.Module` for a checked network, built on `device`."""
    import torch  # here, not at the top: sizing a network (archc build) needs no torch

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
