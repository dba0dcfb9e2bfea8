"""One token of a sequence (N, D, L): ViT's class token before its head.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class TakeToken(nn.Module):
    """The features of token `index`: (N, D, L) -> (N, D)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, self.index]
