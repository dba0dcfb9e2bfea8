"""A locally connected layer (DeepFace): a convolution whose weights differ at every output position.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LocallyConnected(nn.Module):
    """A convolution with unshared weights: one filter bank per output position."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        out_size: tuple[int, ...],
        kernel_size: int | tuple[int, ...],
        stride: int = 1,
        padding: int | tuple[int, ...] = 0,
        dilation: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        rank = len(out_size)
        self.out_size = tuple(out_size)
        self.window = {
            "kernel_size": _as_2d(kernel_size, rank, 1),
            "dilation": _as_2d(dilation, rank, 1),
            "padding": _as_2d(padding, rank, 0),
            "stride": _as_2d(stride, rank, 1),
        }
        taps = in_channels
        for k in self.window["kernel_size"]:
            taps *= k
        positions = 1
        for n in self.out_size:
            positions *= n
        bound = taps**-0.5
        weight = torch.empty(positions, taps, out_channels).uniform_(-bound, bound)
        self.weight = nn.Parameter(weight)
        if bias:
            shape = (out_channels, *self.out_size)
            self.bias = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.out_size) == 1:
            x = x.unsqueeze(2)
        columns = F.unfold(x, **self.window)
        # One matrix per position: a batched product over positions. The
        # columns are made contiguous first: on strided input the batched
        # product (and einsum) ran 300 times slower (49 s for DeepFace's L4).
        y = torch.bmm(columns.permute(2, 0, 1).contiguous(), self.weight)
        y = y.permute(1, 2, 0).reshape(y.shape[1], y.shape[2], *self.out_size)
        return y if self.bias is None else y + self.bias


def _as_2d(value: int | tuple[int, ...], rank: int, fill: int) -> tuple[int, ...]:
    """A 1-D window as a 2-D one of height 1, so one unfold serves both."""
    values = tuple(value) if isinstance(value, tuple) else (value,) * rank
    return (fill, *values) if rank == 1 else values
