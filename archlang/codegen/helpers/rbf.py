"""LeNet-5's Euclidean RBF output units.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class RBF(nn.Module):
    """LeNet-5's Euclidean RBF units: unit j gives sum_i (x_i - w_ji)^2, the
    squared distance to its prototype w_j. The prototypes are fixed codes of
    -1 and +1, a buffer rather than parameters. The distances are computed
    as |x|^2 - 2 x.w + |w|^2, so the products x.w are one matrix multiply."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        # In place, in floats: no int64 draw and no temporaries beside the buffer itself.
        codes = torch.randint(0, 2, (out_features, in_features), dtype=torch.float32)
        codes.mul_(2).sub_(1)
        self.register_buffer("prototypes", codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.get_buffer("prototypes")
        squares = (x * x).sum(1, keepdim=True) + (w * w).sum(1)
        return (squares - 2 * x @ w.T).clamp_min(0)
