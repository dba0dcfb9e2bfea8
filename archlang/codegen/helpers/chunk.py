"""One chunk of the channels.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class Chunk(nn.Module):
    """The `index`-th of `chunks` equal slices of the channels (ShuffleNet V2's channel split)."""

    def __init__(self, index: int, chunks: int) -> None:
        super().__init__()
        self.index = index
        self.chunks = chunks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.chunks, dim=1)[self.index]
