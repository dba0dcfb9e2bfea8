"""A bias per input value (AlphaGo's policy network).

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class PositionBias(nn.Module):
    """A separate bias for every value of the input (AlphaGo's last layer)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias
