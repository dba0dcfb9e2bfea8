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
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import codegen
from .checker.checked import CheckedNetwork, Layer
from .diagnostics import ArchError, Diagnostic
from .limits import DEFAULT, Limits, as_limits
from .logits import for_build
from .pipeline import check
from .units import fmt_shape, size_text

if TYPE_CHECKING:
    import torch
    from torch import nn

#: The most memory a built network's parameters and buffers may take (fp32)
#: by default (`Limits.max_memory`, `archc build --max-memory`).
MAX_MEMORY = DEFAULT.max_memory
BYTES_PER_VALUE = 4  # fp32


def build(path_or_text: str | Path, device: str | torch.device | None = None, *,
          limits: Limits | Mapping[str, int] | None = None, logits: bool | None = None,
          **params: Any) -> nn.Module:
    """The network of a spec (a path or its text) as an `nn.Module`, with
    parameters overriding the network's defaults. `device="meta"` builds it
    without allocating: shapes and parameter counts, no memory. Elsewhere a
    network whose parameters and buffers would take more than
    `limits.max_memory` bytes is refused first (E403).

    A spec that ends in softmax: `logits=True` drops that softmax, so the
    module returns logits for `F.cross_entropy`; `logits=False` keeps it;
    left unset, it is kept and warning W401 (a UserWarning) says so."""
    bounds = as_limits(limits)
    network = with_logits(check(path_or_text, limits=bounds, **params), logits)
    if str(device) != "meta":
        refuse_large(network, bounds.max_memory)
    return instantiate(network, device)


def with_logits(network: CheckedNetwork, logits: bool | None) -> CheckedNetwork:
    """The network to build (logits.for_build), W401 given as a UserWarning."""
    network, warning = for_build(network, logits)
    if warning is not None:
        warnings.warn(warning.format(), UserWarning, stacklevel=3)
    return network


def buffer_values(layer: Layer) -> int:
    """Values a layer keeps besides its parameters (the table of kinds says
    which: batch norm's running statistics, LeNet-5's fixed RBF prototypes)."""
    return layer.buffers


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
            f"{size_text(values * BYTES_PER_VALUE)}; shrink it, or raise the limit (archc build "
            "--max-memory, or limits=Limits(max_memory=...))")
    raise ArchError([Diagnostic("error", "E403", message, span, network.source, hint)])


def instantiate(network: CheckedNetwork, device: str | torch.device | None = None) -> nn.Module:
    """An `nn.Module` for a checked network, built on `device`."""
    torch = _import_torch()  # here, not at the top: sizing a network (archc build) needs no torch
    generated = codegen.generate(network)
    cls = load(generated)[generated.class_name]
    # torch.device as a context makes every tensor __init__ creates start there.
    with torch.device(device) if device is not None else contextlib.nullcontext():
        return cls()


TORCH_MISSING = ("building a module needs PyTorch, which is not installed: pip install torch "
                 "(or pip install 'archlang[torch]'); archc check, render and build -o need no torch")


def _import_torch() -> Any:
    """torch, or an ImportError that says how to install it (not a bare
    ModuleNotFoundError from deep inside `build`)."""
    try:
        import torch
    except ModuleNotFoundError as error:
        if error.name != "torch":  # torch is there but broken: its own message says more
            raise
        raise ImportError(TORCH_MISSING, name="torch") from None
    return torch


def load(generated: codegen.Generated) -> dict[str, Any]:
    """Execute generated source and return its namespace. The source is
    registered with linecache so tracebacks and `inspect` show its lines."""
    lines = generated.source.splitlines(keepends=True)
    linecache.cache[generated.filename] = (len(generated.source), None, lines, generated.filename)
    namespace: dict[str, Any] = {"__name__": f"archlang.generated.{generated.class_name}"}
    # The generated source holds only validated identifiers, numbers and escaped comments.
    exec(compile(generated.source, generated.filename, "exec"), namespace)  # noqa: S102
    return namespace


def _fits(value: torch.Tensor, target: torch.Tensor) -> bool:
    """A linear weight [out, in] and a 1x1 convolution's [out, in, 1, 1] hold
    the same numbers: the one stand-in loading by structure accepts."""
    squeeze = [n for n in value.shape if n != 1] == [n for n in target.shape if n != 1]
    return value.numel() == target.numel() and squeeze and value.dim() >= 2 and target.dim() >= 2


def load_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor]) -> nn.Module:
    """Load weights saved from another implementation of the same network
    (torchvision's pretrained weights, say) by structure: the i-th tensor of
    `state_dict` goes to the i-th entry of the model's own state_dict,
    whatever either is called; buffers (running statistics) too. Shapes must
    agree, except that a linear layer's weight and a 1x1 convolution's are
    reshaped into each other. Raises ValueError naming the first tensor that
    does not fit. Returns the model."""
    ours = list(model.state_dict().items())
    theirs = list(state_dict.items())
    mapped: dict[str, torch.Tensor] = {}
    for i, ((name, target), (their_name, value)) in enumerate(zip(ours, theirs)):
        if tuple(value.shape) != tuple(target.shape):
            if not _fits(value, target):
                raise ValueError(f"tensor {i} of the state_dict, {their_name} {tuple(value.shape)}, does not fit "
                                 f"the model's {name} {tuple(target.shape)}")
            value = value.reshape(target.shape)
        mapped[name] = value
    if len(ours) != len(theirs):
        longer, where = (ours, "model") if len(ours) > len(theirs) else (theirs, "state_dict")
        name, value = longer[min(len(ours), len(theirs))]
        raise ValueError(f"the model holds {len(ours)} tensors and the state_dict {len(theirs)}: the {where}'s "
                         f"{name} {tuple(value.shape)} has nothing to match")
    model.load_state_dict(mapped)
    return model
