"""Block classes: the uses of a block found to be one class with constructor arguments.

Iterations of a repeat and calls of a block that differ only in numbers (the
input channels of a block's first conv, the filters of VGG's stages) share one
class, and the numbers that differ become its constructor arguments:
torchvision's `_make_layer`, found rather than written.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..records import field, record
from .lower import Body, Instance, Sub
from .names import camel_case

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_KEYWORD_BEFORE = re.compile(r"(\w+)=$")


@record(eq=False)
class BlockClass:
    """A block class and its uses. `slots` holds, for each number in the
    constructors (in order), the parameter it becomes, or None where every
    use has the same number."""

    name: str
    instances: list[Instance]
    slots: list[str | None] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    @property
    def scope(self) -> Body:
        return self.instances[0].scope

    def finalize(self) -> None:
        """Give every number that differs between uses a parameter; numbers
        that always differ together share one."""
        vectors = [_numbers(i.scope) for i in self.instances]
        contexts = _number_contexts(self.scope)
        by_column: dict[tuple[str, ...], str] = {}
        for i, context in enumerate(contexts):
            column = tuple(v[i] for v in vectors)
            if len(set(column)) == 1:
                self.slots.append(None)
                continue
            if column not in by_column:
                by_column[column] = self._param_name(column, context)
                self.params.append(by_column[column])
            self.slots.append(by_column[column])

    def _param_name(self, column: tuple[str, ...], context: str) -> str:
        wanted = context or "width"
        for side, shapes in (("in", [i.scope.in_shape for i in self.instances]),
                             ("out", [i.scope.out_shape for i in self.instances])):
            if all(s is not None for s in shapes) and column == tuple(str(s[0]) for s in shapes):  # type: ignore[index]
                wanted = f"{side}_features" if len(shapes[0]) == 1 else f"{side}_channels"  # type: ignore[arg-type]
                break
        name, n = wanted, 1
        while name in self.params:
            n += 1
            name = f"{wanted}{n}"
        return name

    def arguments(self, instance: Instance) -> list[str]:
        values = _numbers(instance.scope)
        return [values[self.slots.index(p)] for p in self.params]

    def template(self, sub: Sub, start: int) -> tuple[str, int]:
        """A submodule's constructor with parameters for the numbers that vary;
        `start` is the index of its first number among the class's slots."""
        count = start

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            slot = self.slots[count]
            count += 1
            return slot or match.group(0)

        return _NUMBER.sub(replace, sub.text()), count


def _numbers(scope: Body) -> list[str]:
    return [n for sub in scope.subs for n in _NUMBER.findall(sub.text())]


def _number_contexts(scope: Body) -> list[str]:
    """For each number, the keyword it is passed as (`stride`), or ""."""
    contexts = []
    for sub in scope.subs:
        text = sub.text()
        for match in _NUMBER.finditer(text):
            before = _KEYWORD_BEFORE.search(text[: match.start()])
            contexts.append(before.group(1) if before else "")
    return contexts


def _structure(scope: Body) -> tuple[Any, ...]:
    """What two uses of one block class must share: everything but numbers."""
    subs = tuple((s.name, _NUMBER.sub("#", s.text())) for s in scope.subs)
    return subs, tuple(code for code, _ in scope.lines)


def classify(instances: list[Instance], names: Body) -> list[BlockClass]:
    """Block classes for all instances, innermost first: an outer block's
    constructor text holds its inner blocks' final constructor calls."""
    classes: list[BlockClass] = []
    for height in sorted({i.scope.height for i in instances}):
        groups: dict[tuple[Any, ...], list[Instance]] = {}
        for instance in instances:
            if instance.scope.height == height:
                groups.setdefault(_structure(instance.scope), []).append(instance)
        for members in groups.values():
            cls = BlockClass(names.name(_class_base(members[0]), sep=""), members)
            for member in members:
                member.cls = cls
            cls.finalize()
            classes.append(cls)
    return classes


def _class_base(instance: Instance) -> str:
    if instance.label:
        base = camel_case(instance.label)
        # `none: [...]` or `true_: ...` would make `class None` / `class True`; `_1` a class `1`.
        return base if base.isidentifier() and not keyword.iskeyword(base) else f"Block{base}"
    kinds = list(dict.fromkeys(instance.scope.kinds))[:3]
    return "".join(camel_case(k) for k in kinds) + "Block"
