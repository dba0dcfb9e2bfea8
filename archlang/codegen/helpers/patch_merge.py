"""Swin's patch merging over a map (N, C, H, W), as torchvision's PatchMerging computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class PatchMerge(nn.Module):
    """Liu et al. (2021), Sec. 3.1: the channels of each 2x2 neighbourhood
    side by side, in torchvision's order (top left, bottom left, top right,
    bottom right; an odd side padded with zeros), a layer norm on the 4C and
    a linear 4C -> 2C without bias; v2: the layer norm after the linear, on
    2C (PatchMergingV2). Its tensors in torchvision's order: the reduction's
    weight, then the norm's. The map comes and goes as (N, C, H, W)."""

    def __init__(self, dim: int, v2: bool = False) -> None:
        super().__init__()
        self.v2 = v2
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(2 * dim if v2 else 4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.pad(x, (0, 0, 0, x.shape[2] % 2, 0, x.shape[1] % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        x = self.norm(self.reduction(x)) if self.v2 else self.reduction(self.norm(x))
        return x.permute(0, 3, 1, 2)
