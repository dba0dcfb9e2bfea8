"""The zoo: named networks, each a family file of this folder plus its `-D` values.

`archc check resnet50` and `archlang.check("efficientnet_b3")` name a network
of the zoo. A family is one parametric spec (`resnet.arch`: ResNet, ResNeXt
and Wide ResNet), and each name is a `variant` statement in it:

    network resnet(depth = 50, groups = 1, width = 64)
    variant resnext50_32x4d(groups = 32, width = 4)   # torchvision's ResNeXt-50 32x4d

so a name is a family and its values, never a copied file. `_index.py`
lists the variants of every family (scripts/generate_zoo_index.py writes it;
tests/test_zoo.py checks that it matches the files), so finding a name reads
one small module instead of parsing every family.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..records import record

HERE = Path(__file__).resolve().parent


@record(frozen=True)
class Model:
    """A network of the zoo: its name, the family file it is a variant of,
    the values of the family's parameters it sets, and what it is (the
    comment on its `variant` line: whose form, what is special)."""

    name: str
    family: str
    params: dict[str, Any]
    about: str = ""

    @property
    def path(self) -> Path:
        return HERE / f"{self.family}.arch"

    @property
    def source_name(self) -> str:
        """The name diagnostics and reports give the family file."""
        return f"<zoo>/{self.family}.arch"


@functools.lru_cache(maxsize=1)
def models() -> dict[str, Model]:
    """Every model of the zoo by name, in the index's order (family by family)."""
    from ._index import VARIANTS

    return {name: Model(name, family, dict(params), about) for name, family, params, about in VARIANTS}


def find(name: str) -> Model | None:
    return models().get(name)


def looks_like_a_name(text: str) -> bool:
    """Whether text could name a model (one word, as model names are) rather than be a spec or a path."""
    return bool(text) and text.replace("_", "a").isalnum() and text.isascii() and not text[0].isdigit()
