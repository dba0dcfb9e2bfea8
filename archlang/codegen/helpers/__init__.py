"""The small classes generated code needs for kinds PyTorch lacks, as real modules.

Each helper is a module of this package (linted, type-checked and tested like
any other); codegen copies its source, from its first class or function on,
into a generated file that uses it, so the file needs torch only. A
connection table (LeNet-5's) is written from the table of kinds.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ...layers import TABLES

#: Helper classes by the name generated constructors use, in the order a file lists them.
_FILES = {
    "LocallyConnected": "locally_connected",
    "MinPool": "min_pool",
    "L2Pool": "l2_pool",
    "PositionBias": "position_bias",
    "ZeroPadShortcut": "zero_pad_shortcut",
    "Maxout": "maxout",
    "Chunk": "chunk",
    "ChannelShuffle": "channel_shuffle",
    "Embed": "embed",
    "PartialConv": "partial_conv",
    "Subsample": "subsample",
    "RBF": "rbf",
    "StochasticDepth": "stochastic_depth",
    "ChannelLayerNorm": "channel_layer_norm",
    "Pointwise": "pointwise",
    "PatchEmbed": "patch_embed",
    "SelfAttention": "self_attention",
    "TakeToken": "take_token",
    "WindowAttention": "window_attention",
    "PatchMerge": "patch_merge",
    "PartitionAttention": "partition_attention",
}

_HERE = Path(__file__).resolve().parent


def _body(module: str) -> str:
    """A helper module's text from its first top-level class or function: what a generated file copies."""
    text = (_HERE / f"{module}.py").read_text("utf-8")
    first = next(n for n in ast.parse(text).body if isinstance(n, (ast.ClassDef, ast.FunctionDef)))
    return "".join(text.splitlines(keepends=True)[first.lineno - 1:])


def table_constant(name: str) -> str:
    """The name generated code gives a connection table: LENET5_TABLE."""
    return f"{name.upper()}_TABLE"


def _py_tuple(row: tuple[int, ...]) -> str:
    return f"({row[0]},)" if len(row) == 1 else f"({', '.join(map(str, row))})"


def _table_source(name: str, table: tuple[tuple[int, ...], ...]) -> str:
    rows = "".join(f"    {_py_tuple(row)},\n" for row in table)
    return (f"# The {name} connection table: row j lists the input maps output map j sees.\n"
            f"{table_constant(name)} = (\n{rows})\n")


#: Every helper's source, by name, in the order a generated file lists them.
HELPERS: dict[str, str] = {name: _body(module) for name, module in _FILES.items()}
HELPERS.update({table_constant(n): _table_source(n, t) for n, t in TABLES.items()})

#: Helpers whose source uses torch.nn.functional.
NEEDS_F = frozenset(name for name, text in HELPERS.items() if "F." in text)

#: Names the helpers bind besides their classes (a generated name must not take them).
EXTRA_NAMES = frozenset({"_as_2d"})
