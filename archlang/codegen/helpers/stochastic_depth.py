"""Stochastic depth (drop path), as torchvision.ops.StochasticDepth computes it.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class StochasticDepth(nn.Module):
    """Huang et al. (2016), "Deep Networks with Stochastic Depth": while
    training, each sample's residual branch (mode "row"; the whole batch's in
    mode "batch") is zeroed with probability p and kept ones are scaled by
    1/(1-p); in evaluation it passes its input through. The same computation
    as torchvision.ops.stochastic_depth, which EfficientNet and ConvNeXt put
    at the end of a block's residual branch."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"
