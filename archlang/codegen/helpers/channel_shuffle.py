"""The channel shuffle of ShuffleNet.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class ChannelShuffle(nn.Module):
    """C channels read as `groups` groups of C/groups, transposed and flattened
    back: torchvision's channel_shuffle (view, transpose, view)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[0], x.shape[1]
        x = x.view(n, self.groups, c // self.groups, *x.shape[2:])
        return torch.transpose(x, 1, 2).contiguous().view(n, c, *x.shape[3:])
