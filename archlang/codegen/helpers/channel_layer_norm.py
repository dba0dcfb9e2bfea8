"""Layer norm over the channels of a map, as torchvision's LayerNorm2d computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class ChannelLayerNorm(nn.LayerNorm):
    """nn.LayerNorm over dimension 1 (the channels) at each position of an
    (N, C, ...) map: the channels moved last, normalised, moved back, exactly
    torchvision's LayerNorm2d (ConvNeXt's stem, downsampling layers and
    head). Its tensors are nn.LayerNorm's: a weight and a bias of C."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = x.movedim(1, -1)
        return F.layer_norm(last, self.normalized_shape, self.weight, self.bias, self.eps).movedim(-1, 1)
