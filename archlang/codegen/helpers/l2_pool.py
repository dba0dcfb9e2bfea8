"""L2-norm pooling, built on an average pool.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class L2Pool(nn.Module):
    """L2-norm pooling: the square root of the sum of squares in each window."""

    def __init__(self, pool: nn.AvgPool1d | nn.AvgPool2d) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = self.pool.kernel_size
        window = 1
        for k in size if isinstance(size, tuple) else (size,) * (x.dim() - 2):
            window *= k
        return torch.sqrt(self.pool(x * x) * window)
