"""Accounting: what a checked network asks of a machine, in torchinfo's terms.

Parameters split into trainable and frozen (`frozen=true`), buffers (batch
norm's running statistics, LeNet-5's fixed prototypes) beside them, and an
estimate of memory at fp32 for a batch of N examples:

- input: N examples (token ids are int64, 8 bytes each; everything else 4);
- parameters and buffers: 4 bytes a value, whatever the batch;
- inference (forward, no gradients): the largest input + output of one layer
  times N, the tensors a chain holds at its peak (a branch also holds its input
  while its paths run, which this leaves out);
- a training step: the parameters and buffers, a gradient per trainable
  parameter, the optimizer's state (0, 1 or 2 copies of the trainable
  parameters for SGD, SGD with momentum, Adam), and what the forward keeps
  for the backward pass, times N: each layer's output, a max pool's int64
  indices, a dropout's 1-byte mask, nothing for a flatten (a view), and a
  second copy where batch norm and an activation follow a layer (the kinds'
  `saved` rules). Measured with torch's saved_tensors_hooks (tests/
  test_accounting.py), that is what autograd keeps to within 1% for chains,
  concats and residuals of conv, batch norm, pools, fc and dropout; it counts
  too much where a layer's output is read only by a concat (nothing keeps
  it) and too little for kinds that keep intermediates (LRN, locally
  connected layers, LeNet-5's helpers).

torchinfo's "Estimated Total Size" is input + parameters + "forward/backward
pass size", that last being twice the outputs of the layers with parameters;
ours counts what autograd keeps once, and the gradients and optimizer state
torchinfo leaves out. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Iterator

from .checker.checked import CheckedNetwork, Layer, Row
from .records import record
from .units import volume

BYTES_PER_VALUE = 4  # fp32
TOKEN_ID_BYTES = 8  # torch.long, the input of a network that embeds token ids

#: Optimizers by the copies of the trainable parameters their state keeps.
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}

#: What each optimizer keeps, for the report's line.
OPTIMIZER_STATE = {"sgd": "no state", "momentum": "a momentum buffer per parameter",
                   "adam": "two moments per parameter", "adamw": "two moments per parameter"}


def settings(batch: int, optimizer: str) -> tuple[int, str]:
    """The batch and optimizer as given, or ValueError saying what may be given."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be a whole number of examples, 1 or more, not {batch!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {optimizer!r}")
    return batch, optimizer


@record(frozen=True)
class Memory:
    """The estimate in bytes, for one batch size and optimizer."""

    batch: int
    optimizer: str
    input: int
    parameters: int
    buffers: int
    forward: int
    gradients: int
    optimizer_state: int
    saved: int

    @property
    def inference(self) -> int:
        """Input, parameters, buffers and the forward's largest live pair of tensors."""
        return self.input + self.parameters + self.buffers + self.forward

    @property
    def training(self) -> int:
        """A training step: the inference's fixed part, gradients, optimizer state and saved outputs."""
        return self.input + self.parameters + self.buffers + self.gradients + self.optimizer_state + self.saved

    def items(self) -> Iterator[tuple[str, int]]:
        """Every figure by its JSON name, the totals in their places."""
        yield from (("input", self.input), ("parameters", self.parameters), ("buffers", self.buffers),
                    ("forward", self.forward), ("inference", self.inference), ("gradients", self.gradients),
                    ("optimizer_state", self.optimizer_state), ("saved", self.saved), ("training", self.training))


def input_bytes_per_value(network: CheckedNetwork) -> int:
    """8 for token ids (a network that embeds reads a LongTensor), else 4."""
    return TOKEN_ID_BYTES if any(row.layer.kind.reads_tokens for row in network.rows) else BYTES_PER_VALUE


def largest_live_pair(network: CheckedNetwork) -> int:
    """Values of the largest input + output of one layer run in evaluation (per example)."""
    row = largest_live_row(network)
    return _live_pair(row) if row is not None else volume(network.input)


def memory(network: CheckedNetwork) -> Memory:
    """The estimate for the network's batch and optimizer (see the module's docstring)."""
    batch, trainable = network.batch, network.trainable
    return Memory(
        batch=batch,
        optimizer=network.optimizer,
        input=batch * volume(network.input) * input_bytes_per_value(network),
        parameters=BYTES_PER_VALUE * network.params,
        buffers=BYTES_PER_VALUE * network.buffers,
        forward=BYTES_PER_VALUE * batch * largest_live_pair(network),
        gradients=BYTES_PER_VALUE * trainable,
        optimizer_state=BYTES_PER_VALUE * trainable * OPTIMIZERS[network.optimizer],
        saved=batch * kept_for_backward(network),
    )


def kept_for_backward(network: CheckedNetwork) -> int:
    """Bytes per example a training forward keeps for the backward pass: each
    layer's `saved` rule (its output; a max pool's indices and a dropout's mask
    too; nothing for a flatten, a view), and a second copy for a layer with
    batch norm and an activation (the norm keeps its input, the activation
    its output)."""
    return sum(_kept(row.layer) for row in network.rows)


def _kept(layer: Layer) -> int:
    kept = layer.kind.saved(layer.opts, layer.in_shape, layer.out_shape)
    return kept + (BYTES_PER_VALUE * layer.elements if layer.opts.get("bn") and layer.act else 0)


def largest_live_row(network: CheckedNetwork) -> Row | None:
    """The layer whose input + output is the forward's figure (the first of the largest)."""
    rows = [row for row in network.rows if not row.train]
    return max(rows, key=_live_pair, default=None)


def _live_pair(row: Row) -> int:
    return volume(row.layer.in_shape) + row.layer.elements
