"""Word vectors for token ids, channels first (Kim's sentence CNN).

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class Embed(nn.Embedding):
    """Word vectors for a sequence of token ids, channels first: ids of shape
    (N, L) give (N, D, L). Frozen vectors stay fixed in training but are still
    parameters (Kim's static channel)."""

    def __init__(self, vocab: int, dim: int, frozen: bool = False) -> None:
        super().__init__(vocab, dim)
        self.weight.requires_grad_(not frozen)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).transpose(1, 2)
