"""MaxViT's relative attention over block or grid partitions of a map (N, C, H, W), as torchvision computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class PartitionAttention(nn.Module):
    """Tu et al. (2022), Sec. 3.2: multi-head self-attention within each
    size x size block of the map (grid: over each size x size grid whose
    tokens lie H/size apart), with a learned bias per head for each relative
    offset, as torchvision's RelativePositionalMultiHeadAttention inside a
    PartitionAttentionLayer: the keys scaled by 1/sqrt(C), not by the
    head's width. Its tensors in torchvision's order: the bias table, the
    relative position index (size^2, size^2), to_qkv, merge. The map comes
    and goes as (N, C, H, W)."""

    def __init__(self, dim: int, heads: int, size: int, grid: bool = False) -> None:
        super().__init__()
        self.heads, self.size, self.grid = heads, size, grid
        self.to_qkv = nn.Linear(dim, 3 * dim)
        self.merge = nn.Linear(dim, dim)
        self.relative_position_bias_table = nn.Parameter(torch.empty((2 * size - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        # Made on the CPU and moved: on the meta device each small op costs milliseconds.
        index = self.offset_index(size).to(self.to_qkv.weight.device)
        self.register_buffer("relative_position_index", index)

    @staticmethod
    def offset_index(size: int) -> torch.Tensor:
        """For each pair (i, j) of a partition's tokens, row-major: the row of
        the offset i - j in a (2P-1) x (2P-1) table, as (P^2, P^2)."""
        steps = torch.arange(size, device="cpu")
        rows, cols = torch.meshgrid(steps, steps, indexing="ij")
        rows, cols = rows.flatten(), cols.flatten()
        dy = rows[:, None] - rows[None, :] + size - 1
        dx = cols[:, None] - cols[None, :] + size - 1
        return dy * (2 * size - 1) + dx

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        p, heads = self.size, self.heads
        if self.grid:  # (N, C, i, a, j, b): token (i, j) of group (a, b) sits at (i * h/p + a, j * w/p + b)
            parts = x.reshape(n, c, p, h // p, p, w // p).permute(0, 3, 5, 2, 4, 1)
        else:  # (N, C, a, i, j, b): token (i, j) of block (a, b) sits at (a * p + i, b * p + j)
            parts = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        tokens = parts.reshape(n, -1, p * p, c)
        groups = tokens.shape[1]
        q, k, v = (
            t.reshape(n, groups, p * p, heads, c // heads).transpose(2, 3)
            for t in self.to_qkv(tokens).chunk(3, dim=-1)
        )
        index = self.get_buffer("relative_position_index")
        bias = self.relative_position_bias_table[index.view(-1)].view(p * p, p * p, -1).permute(2, 0, 1)
        attn = torch.softmax(q @ (k * c**-0.5).transpose(-2, -1) + bias.unsqueeze(0), dim=-1)
        out = self.merge((attn @ v).transpose(2, 3).reshape(n, groups, p * p, c))
        if self.grid:
            out = out.reshape(n, h // p, w // p, p, p, c).permute(0, 5, 3, 1, 4, 2)
        else:
            out = out.reshape(n, h // p, w // p, p, p, c).permute(0, 5, 1, 3, 2, 4)
        return out.reshape(n, c, h, w)
