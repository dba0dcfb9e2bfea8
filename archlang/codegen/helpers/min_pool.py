"""Min pooling, built on a max pool.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class MinPool(nn.Module):
    """Min pooling: the negated max pool of the negated input."""

    def __init__(self, pool: nn.Module) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.pool(-x)
