"""LeNet-5's partially connected C3 layer.

A helper class of generated code: codegen copies this file, from its first
class on, into every generated module that uses it, so it must need nothing
but the imports below. It is linted and tested as ordinary Python.
"""

import torch
from torch import nn


class PartialConv(nn.Module):
    """A convolution whose output map j sees only the input maps table[j]
    (LeNet-5's C3, Table I). The maps that see the same number of inputs share
    one grouped convolution, so the weights are exactly the connected ones."""

    def __init__(
        self,
        table: tuple[tuple[int, ...], ...],
        conv: type[nn.Module],
        kernel_size: int | tuple[int, ...],
        stride: int = 1,
        padding: int | tuple[int, ...] = 0,
        dilation: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        window = {
            "kernel_size": kernel_size,
            "stride": stride,
            "padding": padding,
            "dilation": dilation,
        }
        self.convs = nn.ModuleList()
        self.inputs: list[list[int]] = []
        order: list[int] = []
        for width in sorted({len(row) for row in table}):
            maps = [j for j, row in enumerate(table) if len(row) == width]
            self.inputs.append([i for j in maps for i in table[j]])
            order += maps
            n = len(maps)
            self.convs.append(conv(width * n, n, groups=n, bias=bias, **window))
        self.order = [order.index(j) for j in range(len(table))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = [conv(x[:, i]) for conv, i in zip(self.convs, self.inputs)]
        return torch.cat(parts, 1)[:, self.order]
