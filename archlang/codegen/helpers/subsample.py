"""LeNet-5's trainable subsampling.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class Subsample(nn.Module):
    """LeNet-5's trainable subsampling: the sum of each window (the average
    times the window's size), times a coefficient, plus a bias, per map."""

    def __init__(self, channels: int, pool: nn.AvgPool1d | nn.AvgPool2d) -> None:
        super().__init__()
        self.pool = pool
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rank = x.dim() - 2
        size = self.pool.kernel_size
        window = 1
        for k in size if isinstance(size, tuple) else (size,) * rank:
            window *= k
        per_map = (-1,) + (1,) * rank
        y = self.pool(x) * window
        return y * self.weight.view(per_map) + self.bias.view(per_map)
