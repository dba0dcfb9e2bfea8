"""Maxout units.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class Maxout(nn.Module):
    """Maxout: the maximum of each group of `pieces` consecutive channels."""

    def __init__(self, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(1, (-1, self.pieces)).amax(2)
