"""Multi-head self-attention over tokens (N, D, L), as nn.MultiheadAttention computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention (batch first) with the tokens as query, key and
    value, without the attention weights, as torchvision's ViT encoder block
    calls it; its tensors are the module's own (in_proj_weight (3D, D),
    in_proj_bias, out_proj). The tokens come and go as (N, D, L)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__(dim, heads, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        tokens = x.transpose(1, 2)
        y, _ = super().forward(tokens, tokens, tokens, need_weights=False)
        return y.transpose(1, 2)
