"""A Linear applied to the channels at each position of a map.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class Pointwise(nn.Linear):
    """nn.Linear on dimension 1 (the channels) of an (N, C, ...) map: the
    channels moved last, multiplied, moved back. Its weight is a Linear's
    (out, in), not a 1x1 conv's (out, in, 1, 1): ConvNeXt's block MLP, which
    torchvision writes as Permute, Linear, ..., Permute."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x.movedim(1, -1), self.weight, self.bias).movedim(-1, 1)
