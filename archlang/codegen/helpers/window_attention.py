"""Shifted-window multi-head attention over a map (N, C, H, W), as torchvision's Swin computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class WindowAttention(nn.Module):
    """Liu et al. (2021), Sec. 3.2: self-attention within each window x window
    square of the map (padded at the bottom and right to whole windows, the
    padding attended to as torchvision does), with a learned bias per head for
    each relative offset; with a shift, the map is rolled up and left by it
    first, pairs the roll brought together are masked with -100, and the
    result is rolled back. No shift along a side one window covers.
    v2: Swin V2's cosine attention times a learned, clamped logit scale, the
    bias 16 sigmoid(MLP(log-spaced offsets)), the key bias left out.
    Its tensors in torchvision's order: the bias table (v2: the logit scale,
    then the offsets table), the relative position index, qkv, proj (v2: the
    MLP). The map comes and goes as (N, C, H, W)."""

    #: torchvision clamps Swin V2's logit scale at log(100) before exp, and starts it at log(10).
    LOG_100, LOG_10 = 4.605170185988092, 2.302585092994046

    def __init__(self, dim: int, heads: int, window: int, shift: int = 0, v2: bool = False) -> None:
        super().__init__()
        self.heads, self.window, self.shift, self.v2 = heads, window, shift, v2
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        # The fixed tables are made on the CPU and moved: on the meta device each small op costs milliseconds.
        device = self.qkv.weight.device
        if v2:
            self.logit_scale = nn.Parameter(torch.full((heads, 1, 1), self.LOG_10))
            self.register_buffer("relative_coords_table", self.log_spaced_offsets(window).to(device))
            self.cpb_mlp = nn.Sequential(
                nn.Linear(2, 512), nn.ReLU(inplace=True), nn.Linear(512, heads, bias=False)
            )
            with torch.no_grad():
                self.qkv.bias[dim : 2 * dim].zero_()
        else:
            self.relative_position_bias_table = nn.Parameter(torch.empty((2 * window - 1) ** 2, heads))
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.register_buffer("relative_position_index", self.offset_index(window).to(device))

    @staticmethod
    def offset_index(window: int) -> torch.Tensor:
        """For each pair (i, j) of a window's tokens, row-major: the row of the
        offset i - j in a (2W-1) x (2W-1) table, flattened to W^4 entries."""
        steps = torch.arange(window, device="cpu")
        rows, cols = torch.meshgrid(steps, steps, indexing="ij")
        rows, cols = rows.flatten(), cols.flatten()
        dy = rows[:, None] - rows[None, :] + window - 1
        dx = cols[:, None] - cols[None, :] + window - 1
        return (dy * (2 * window - 1) + dx).flatten()

    @staticmethod
    def log_spaced_offsets(window: int) -> torch.Tensor:
        """Swin V2's Eq. (4): each offset (dy, dx) scaled to [-8, 8], then
        sign(t) log2(1 + |t|) / 3, as (1, 2W-1, 2W-1, 2)."""
        steps = torch.arange(-(window - 1), window, dtype=torch.float32, device="cpu")
        table = torch.stack(torch.meshgrid(steps, steps, indexing="ij"), -1).unsqueeze(0)
        table = table / (window - 1) * 8
        return torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0

    def position_bias(self) -> torch.Tensor:
        """The bias of every head for every pair of a window's tokens: (1, heads, W^2, W^2)."""
        tokens = self.window * self.window
        index = self.get_buffer("relative_position_index")
        if self.v2:
            table = self.cpb_mlp(self.get_buffer("relative_coords_table")).view(-1, self.heads)
        else:
            table = self.relative_position_bias_table
        bias = table[index].view(tokens, tokens, -1).permute(2, 0, 1).unsqueeze(0)
        return 16 * torch.sigmoid(bias) if self.v2 else bias

    def shift_mask(self, height: int, width: int, shift: tuple[int, int], like: torch.Tensor) -> torch.Tensor:
        """-100 for the pairs of a window that come from different regions of
        the rolled map (per side: before the last window, the last window's
        own part, what the roll brought in), 0 elsewhere: (windows, W^2, W^2)."""
        w = self.window
        labels = []
        for size, s in zip((height, width), shift):
            at = torch.arange(size, device=like.device)
            labels.append((at >= size - w).long() + (at >= size - s).long())
        region = (labels[0][:, None] * 3 + labels[1][None, :]).view(height // w, w, width // w, w)
        region = region.transpose(1, 2).reshape(-1, w * w)
        apart = region[:, None, :] != region[:, :, None]
        return like.new_zeros(apart.shape).masked_fill(apart, -100.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        win, heads = self.window, self.heads
        x = F.pad(x.permute(0, 2, 3, 1), (0, 0, 0, -w % win, 0, -h % win))
        height, width = x.shape[1], x.shape[2]
        shift = (0 if height <= win else self.shift, 0 if width <= win else self.shift)
        if any(shift):
            x = torch.roll(x, (-shift[0], -shift[1]), (1, 2))
        windows = (
            x.view(n, height // win, win, width // win, win, c).transpose(2, 3).reshape(-1, win * win, c)
        )
        bias: torch.Tensor = self.qkv.bias
        if self.v2:  # Swin V2 adds no bias to the keys
            bias = torch.cat([bias[:c], torch.zeros_like(bias[c : 2 * c]), bias[2 * c :]])
        qkv = F.linear(windows, self.qkv.weight, bias).reshape(
            windows.shape[0], win * win, 3, heads, c // heads
        )
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        if self.v2:
            attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
            attn = attn * torch.clamp(self.logit_scale, max=self.LOG_100).exp()
        else:
            attn = (q * (c // heads) ** -0.5) @ k.transpose(-2, -1)
        attn = attn + self.position_bias()
        if any(shift):
            mask = self.shift_mask(height, width, shift, attn)
            attn = (attn.view(n, -1, heads, win * win, win * win) + mask.unsqueeze(1)).view_as(attn)
        out = (attn.softmax(-1) @ v).transpose(1, 2).reshape(windows.shape[0], win * win, c)
        out = self.proj(out).view(n, height // win, width // win, win, win, c).transpose(2, 3)
        out = out.reshape(n, height, width, c)
        if any(shift):
            out = torch.roll(out, shift, (1, 2))
        return out[:, :h, :w].permute(0, 3, 1, 2)
