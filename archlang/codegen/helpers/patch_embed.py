"""ViT's input stage: patches projected, a class token put first, a position embedding added.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class PatchEmbed(nn.Module):
    """Dosovitskiy et al. (2021), Eq. (1): each P x P patch times a learned
    projection (a conv P/P), a learned class token first, a learned position
    embedding added; the tokens are (N, D, L). Its tensors in torchvision's
    order: class_token (1, 1, D), the projection's weight and bias, then
    pos_embedding (1, L, D), initialised as torchvision initialises them."""

    def __init__(self, channels: int, dim: int, patch: int, tokens: int) -> None:
        super().__init__()
        self.patch = patch
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.weight = nn.Parameter(torch.empty(dim, channels, patch, patch))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.pos_embedding = nn.Parameter(torch.empty(1, tokens, dim).normal_(std=0.02))
        nn.init.trunc_normal_(self.weight, std=(1 / (channels * patch * patch)) ** 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = F.conv2d(x, self.weight, self.bias, stride=self.patch).flatten(2)
        first = self.class_token.expand(x.shape[0], -1, -1).transpose(1, 2)
        return torch.cat([first, patches], 2) + self.pos_embedding.transpose(1, 2)
