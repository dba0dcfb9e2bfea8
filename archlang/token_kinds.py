"""Kinds of the vision transformer: the patch embedding, self-attention and taking one token.

A sequence of L tokens of D features is the shape D@L (features as channels,
tokens as positions), so layernorm and pointwise work on it as on a map.
Entries of the table of kinds (layers.KINDS), kept here so that layers.py
stays one screenful of concerns.
"""

from __future__ import annotations

from .kind import Kind, Opts
from .options import Option, RuleError, natural, positive
from .units import Shape, fmt_shape


def _patches(opts: Opts, x: Shape) -> int:
    """The number of patches of an image: whole P x P squares, as a conv P/P leaves."""
    if len(x) != 3:
        raise RuleError("E305", f"patchembed needs an image C@HxW, but gets {fmt_shape(x)}")
    p = opts["patch"]
    if x[1] < p or x[2] < p:
        raise RuleError("E302", f"patchembed's {p}x{p} patches do not fit in {x[1]}x{x[2]}")
    return (x[1] // p) * (x[2] // p)


def _patch_params(opts: Opts, x: Shape, y: Shape) -> int:
    d = opts["dim"]
    return d + (x[0] * opts["patch"] ** 2 + 1) * d + y[1] * d  # class token, projection, position embedding


def _tokens(x: Shape, what: str) -> None:
    if len(x) != 2:
        raise RuleError("E305", f"{what} needs a sequence of tokens D@L, but gets {fmt_shape(x)}",
                        "patchembed makes one from an image")


def heads_divide(width: int, heads: int, what: str, of: str) -> None:
    """E304 unless the heads split the width evenly (`of`: "features ... the tokens have" or the like)."""
    noun, holder = of.split(" ... ")
    if width % heads:
        raise RuleError("E304", f"{what} with {heads} heads needs {noun} divisible by {heads}, but {holder} "
                        f"{width}", f"{width} / {heads} = {width / heads:g}")


def attention_params(width: int) -> int:
    """Multi-head attention's projections: query, key and value (3C x C and 3C) and out (C x C and C)."""
    return 4 * width * width + 4 * width


def attention_macs(tokens: int, members: int, width: int) -> int:
    """The projections in (3C per token) and out (C), and the two products QK^T and AV, each token
    against the `members` tokens it attends to (all L for ViT, a window's or a partition's for Swin, MaxViT)."""
    return tokens * width * 3 * width + 2 * tokens * members * width + tokens * width * width


def _attention_shape(opts: Opts, x: Shape) -> Shape:
    _tokens(x, "attention")
    heads_divide(x[0], opts["heads"], "attention", "features ... the tokens have")
    return x


def _token_shape(opts: Opts, x: Shape) -> Shape:
    _tokens(x, "token")
    if opts["index"] >= x[1]:
        raise RuleError("E308", f"token({opts['index']}) is past the last of {x[1]} tokens")
    return (x[0],)


PATCHEMBED = Kind(
    name="patchembed", family="conv", aliases=("patch_embed", "patchify"),
    options=(Option("dim", positive, required=True, help="features per token"),
             Option("patch", positive, required=True, aliases=("p",), help="the side of a square patch")),
    shape=lambda o, x: (o["dim"], _patches(o, x) + 1), params=_patch_params,
    macs=lambda o, x, y: x[0] * o["patch"] ** 2 * o["dim"] * (y[1] - 1),
    window=lambda o, x: ((o["patch"],) * 2, (o["patch"],) * 2),
    label=lambda o: f"patchembed{o['patch']}-{o['dim']}", size="patch", count="dim", positional=("dim",),
    doc="patchembedP-D: ViT's Eq. (1): each PxP patch projected to D features (a conv P/P), a learned "
        "class token put first and a learned position embedding added: C@HxW -> D@(HW/P^2 + 1)",
)

ATTENTION = Kind(
    name="attention", family="fc", aliases=("selfattention", "self_attention", "mhsa"),
    options=(Option("heads", positive, required=True, help="attention heads"),),
    shape=_attention_shape, params=lambda o, x, y: attention_params(x[0]),
    macs=lambda o, x, y: attention_macs(x[1], x[1], x[0]),
    label=lambda o: f"attention({o['heads']})", positional=("heads",), prefix="attn",
    doc="attention(h): multi-head self-attention over the tokens D@L (nn.MultiheadAttention: the "
        "query, key and value projections in one (3D, D) weight, then the output projection)",
)

TOKEN = Kind(
    name="token", family="other", aliases=("take_token",),
    options=(Option("index", natural, 0, help="which token (0: ViT's class token)"),),
    shape=_token_shape, label=lambda o: f"token({o['index']})", positional=("index",),
    doc="token(i): the features of token i of D@L, a vector of D (ViT's class token: token(0))",
)


