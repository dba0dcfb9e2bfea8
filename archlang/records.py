"""Records: the value classes of archlang, made cheaply when a module is imported.

Every tree node, checked layer, kind and diagnostic is a small value class.
`dataclasses` made them, but it builds five or six functions per class from
source text and checks every string annotation with regular expressions:
for the 52 classes `archc check` imports, that was half of archlang's import
time and a fifth of the whole process (issue 11's start-up target). A record
is the part of dataclasses archlang uses, built with one `exec` per class (the
`__init__`, whose positional signature and speed matter, made when the class is
first instantiated) and shared functions
for the rest (`__eq__` and `__hash__` read the compared fields with one
`operator.attrgetter`, in C).

    @record(frozen=True)
    class Span:
        line: int
        column: int = 0
        note: str = field(default="", compare=False, repr=False)

What it supports, as dataclasses does: fields from the class's annotations in
order (`ClassVar` ones excluded) and from record bases first; defaults and
`field(default=, default_factory=, repr=, compare=)`; `frozen` (assignment
raises `FrozenInstanceError`), `eq` (equality of the compared fields, same
class only; a frozen record with `eq` hashes them, a mutable one is
unhashable), `repr`, `slots`; `__post_init__`; `replace()` and `fields()`.
Type checkers treat `record` as dataclasses (PEP 681's `dataclass_transform`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:  # typing has it from Python 3.11 only; archlang runs on 3.10
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[T], T]:
        return lambda function: function


T = TypeVar("T")

#: Marks a field without a default (and, in `__init__`, an argument not given).
MISSING: Any = type("MISSING", (), {"__repr__": lambda self: "MISSING"})()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    """One field: its name, default or default factory, and whether it is in the repr and in comparisons."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("a field cannot have both a default and a default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not MISSING

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True, compare: bool = True) -> Any:
    """A field with options, as `dataclasses.field`."""
    return Field(default, default_factory, repr, compare)


@overload
@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = False, eq: bool = True, repr: bool = True,
           slots: bool = False) -> Callable[[type[T]], type[T]]: ...


def record(cls: Any = None, /, *, frozen: bool = False, eq: bool = True, repr: bool = True,
           slots: bool = False) -> Any:
    """Make a class a record: `@record` or `@record(frozen=True, eq=False, slots=True)`."""

    def wrap(cls: type[T]) -> type[T]:
        return _build(cls, frozen=frozen, eq=eq, repr=repr, slots=slots)

    return wrap if cls is None else wrap(cls)


def fields(thing: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    try:
        found: tuple[Field, ...] = thing.__record_fields__
    except AttributeError:
        raise TypeError(f"{thing!r} is not a record") from None
    return found


def is_record(thing: Any) -> bool:
    return hasattr(thing, "__record_fields__")


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of `obj` with some fields changed, as `dataclasses.replace`."""
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    unknown = set(changes) - values.keys()
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {min(unknown)!r}")
    values.update(changes)
    return type(obj)(**values)


# ---- building the class -----------------------------------------------------------


def _build(cls: type[T], *, frozen: bool, eq: bool, repr: bool, slots: bool) -> type[T]:
    own = _own_fields(cls)
    every = {f.name: f for base in reversed(cls.__mro__[1:]) for f in getattr(base, "__record_fields__", ())}
    every.update((f.name, f) for f in own)
    ordered = tuple(every.values())
    _check_order(cls, ordered)
    home: list[type] = [cls]  # the class the record ends up as (with slots, a new one)
    namespace: dict[str, Any] = {
        "__record_fields__": ordered,
        "__init__": _lazy_init(home, ordered, frozen),
    }
    compared = tuple(f.name for f in ordered if f.compare)
    if repr:
        namespace["__repr__"] = _repr
        namespace["__record_repr__"] = tuple(f.name for f in ordered if f.repr)
    if eq:
        namespace["__record_key__"] = operator.attrgetter(*compared) if compared else staticmethod(_no_key)
        namespace["__eq__"] = _eq
        namespace["__hash__"] = _hash if frozen else None
    if frozen:
        namespace["__setattr__"] = _frozen_setattr
        namespace["__delattr__"] = _frozen_delattr
    for name in _written_by_hand(cls):  # as dataclasses: a method the class writes itself is kept
        namespace.pop(name, None)
    if slots:
        home[0] = _with_slots(cls, namespace, own, frozen)
        return home[0]
    for name, value in namespace.items():
        setattr(cls, name, value)
    return cls


def _written_by_hand(cls: type) -> list[str]:
    """The methods a record would make that the class defines itself. A class that
    defines __eq__ gets __hash__ = None from Python, which is not one written by hand."""
    own = cls.__dict__
    names = [name for name in ("__repr__", "__eq__") if name in own]
    if "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own):
        names.append("__hash__")
    return names


def _own_fields(cls: type) -> list[Field]:
    """The fields the class itself declares; each class attribute left is the plain default (or gone)."""
    found = []
    # inspect.get_annotations would do, but importing inspect costs what records save.
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        if isinstance(spec.default, (list, dict, set)):
            raise TypeError(f"{cls.__name__}.{name}: a mutable default is shared; use field(default_factory=...)")
        spec.name = name
        if isinstance(value, Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        found.append(spec)
    return found


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _check_order(cls: type, ordered: tuple[Field, ...]) -> None:
    seen_default = False
    for f in ordered:
        if f.has_default:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__name__}: field {f.name!r} without a default follows a field with one")


def _lazy_init(home: list[type], ordered: tuple[Field, ...], frozen: bool) -> Callable[..., None]:
    """An `__init__` that makes the real one on the first call and puts it in
    its place: of the classes a check imports, half are never instantiated in
    a run, and making an `__init__` (an exec) is most of what a record costs."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _init(home[0], ordered, frozen)
        type.__setattr__(home[0], "__init__", real)
        real(self, *args, **kwargs)

    return __init__


def _init(cls: type, ordered: tuple[Field, ...], frozen: bool) -> Callable[..., None]:
    """`__init__` from source text, as dataclasses makes it: a positional
    signature in field order, defaults bound as names of the closure."""
    params, body = [], []
    scope: dict[str, Any] = {"MISSING": MISSING, "_set": object.__setattr__}
    for f in ordered:
        value = f.name
        if f.default_factory is not MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=MISSING")
            value = f"_factory_{f.name}() if {f.name} is MISSING else {f.name}"
        elif f.default is not MISSING:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        else:
            params.append(f.name)
        body.append(f"_set(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    text = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(text, scope)  # noqa: S102 - the text is made above from the class's own field names
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _with_slots(cls: type[T], namespace: dict[str, Any], own: list[Field], frozen: bool) -> type[T]:
    """A new class with `__slots__` for the own fields (a class's slots are fixed when it is made)."""
    body = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    for f in own:
        body.pop(f.name, None)
    body.update(namespace)
    body["__slots__"] = tuple(f.name for f in own)
    if frozen:  # pickle and copy restore slots by assignment, which a frozen record refuses
        body["__getstate__"] = _getstate
        body["__setstate__"] = _setstate
    metaclass: Any = type(cls)  # the class's own, as dataclasses keeps it
    made: type[T] = metaclass(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    return made


# ---- the shared methods -------------------------------------------------------------


def _no_key(self: Any) -> tuple[()]:
    return ()


def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{type(self).__qualname__}({inner})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__record_key__
    return bool(key(self) == key(other))


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in fields(self))


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for f, value in zip(fields(self), state):
        object.__setattr__(self, f.name, value)
