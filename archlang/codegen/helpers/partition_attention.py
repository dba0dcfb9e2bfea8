"""MaxViT's block and grid attention over a map (N, C, H, W), as torchvision's MaxViT computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class PartitionAttention(nn.Module):
    """Tu et al. (2022), Sec. 3.2: multi-head self-attention within each
    size x size block of the map, or (grid) within each of the size x size
    grids of positions H/size apart, with a learned bias per head for each
    relative offset inside the partition. As torchvision's
    RelativePositionalMultiHeadAttention: one to_qkv linear (queries, keys,
    values, each head's features contiguous), the keys scaled by C^-1/2 (all
    the features, not a head's), then the merge linear. Its tensors in
    torchvision's order: the bias table, the relative position index
    (size^2, size^2), to_qkv, merge. The map comes and goes as (N, C, H, W)."""

    def __init__(self, dim: int, heads: int, size: int, grid: bool = False) -> None:
        super().__init__()
        self.heads, self.size, self.grid = heads, size, grid
        self.scale = dim**-0.5
        self.to_qkv = nn.Linear(dim, 3 * dim)
        self.merge = nn.Linear(dim, dim)
        self.relative_position_bias_table = nn.Parameter(torch.empty((2 * size - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        # Made on the CPU and moved, as WindowAttention's: on the meta device each small op costs milliseconds.
        self.register_buffer("relative_position_index", self.offset_index(size).to(self.merge.weight.device))

    @staticmethod
    def offset_index(size: int) -> torch.Tensor:
        """For each pair (i, j) of a partition's positions, row-major: the row
        of the offset i - j in a (2P-1) x (2P-1) table, as (P^2, P^2)."""
        steps = torch.arange(size, device="cpu")
        rows, cols = torch.meshgrid(steps, steps, indexing="ij")
        rows, cols = rows.flatten(), cols.flatten()
        dy = rows[:, None] - rows[None, :] + size - 1
        dx = cols[:, None] - cols[None, :] + size - 1
        return dy * (2 * size - 1) + dx

    def partition(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, partitions, P^2 positions, C); a block holds
        rows bP..bP+P-1, a grid rows g, g + H/P, g + 2H/P, ... (columns alike)."""
        n, c, h, w = x.shape
        p = self.size
        if self.grid:  # position (a, b) of grid (i, j) is pixel (a H/P + i, b W/P + j)
            x = x.view(n, c, p, h // p, p, w // p).permute(0, 3, 5, 2, 4, 1)
        else:  # position (a, b) of block (i, j) is pixel (i P + a, j P + b)
            x = x.view(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(n, -1, p * p, c)

    def departition(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """The inverse of `partition`: (N, partitions, P^2, C) -> (N, C, H, W)."""
        n, _, _, c = x.shape
        p = self.size
        if self.grid:
            x = x.view(n, h // p, w // p, p, p, c).permute(0, 5, 3, 1, 4, 2)
        else:
            x = x.view(n, h // p, w // p, p, p, c).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(n, c, h, w)

    def position_bias(self) -> torch.Tensor:
        """The bias of every head for every pair of a partition's positions: (1, 1, heads, P^2, P^2)."""
        index = self.get_buffer("relative_position_index")
        bias = self.relative_position_bias_table[index.flatten()].view(*index.shape, -1)
        return bias.permute(2, 0, 1)[None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        heads = self.heads
        tokens = self.partition(x)
        groups, members = tokens.shape[1], tokens.shape[2]
        q, k, v = (
            t.reshape(n, groups, members, heads, c // heads).transpose(2, 3)
            for t in self.to_qkv(tokens).chunk(3, dim=-1)
        )
        scores = q @ (k * self.scale).transpose(-2, -1) + self.position_bias()
        out = (F.softmax(scores, dim=-1) @ v).transpose(2, 3).reshape(n, groups, members, c)
        return self.departition(self.merge(out), h, w)
