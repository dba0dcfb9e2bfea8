"""archlang.records: the value classes' maker, held to what dataclasses does
for every feature archlang uses (tests/test_core.py walks the node classes)."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from archlang.records import FrozenInstanceError, field, fields, is_record, record, replace


@record(frozen=True)
class Point:
    """A frozen record with a field left out of equality and repr."""

    x: int
    y: int = 0
    note: str = field(default="", compare=False, repr=False)
    kind: ClassVar[str] = "point"


@record
class Bag:
    """A mutable record with a factory default."""

    name: str
    items: list[int] = field(default_factory=list)


@record(frozen=True, eq=False, slots=True)
class Slotted:
    """A frozen record with slots and identity equality, as checked layers are."""

    a: int
    b: tuple[int, ...] = ()


@record(frozen=True)
class Point3(Point):
    """A record extending a record: the base's fields come first."""

    z: int = 0


@record
class Counted:
    """__post_init__ runs after the fields are set."""

    n: int
    double: int = 0

    def __post_init__(self) -> None:
        self.double = 2 * self.n


def test_fields_in_order_positional_and_keyword() -> None:
    assert [f.name for f in fields(Point)] == ["x", "y", "note"]
    assert Point(1, 2) == Point(x=1, y=2) == Point(1, y=2, note="other")
    assert Point(1).y == 0
    assert "kind" not in {f.name for f in fields(Point)}  # a ClassVar is not a field
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, "n", 4)  # type: ignore[call-arg]


def test_frozen_refuses_assignment_and_deletion() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'x'"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del p.x  # type: ignore[misc]
    assert isinstance(FrozenInstanceError("x"), AttributeError)  # as dataclasses' error is


def test_equality_and_hash_use_compared_fields_of_the_same_class() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b") and hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(2, 1)
    assert Point3(1, 2) != Point(1, 2)  # another class is never equal
    assert Point.__eq__(Point(1), (1, 0)) is NotImplemented
    assert len({Point(1), Point(1), Point(2)}) == 2


def test_mutable_records_are_unhashable_and_factories_give_fresh_values() -> None:
    first, second = Bag("a"), Bag("b")
    first.items.append(1)
    assert second.items == [] and first == Bag("a", [1])
    with pytest.raises(TypeError):
        hash(first)
    first.name = "renamed"
    assert first.name == "renamed"


def test_identity_equality_and_slots() -> None:
    one = Slotted(1)
    same = one
    assert one == same and Slotted(1) != Slotted(1)
    assert hash(one) == object.__hash__(one)  # eq=False keeps identity hashing
    assert not hasattr(one, "__dict__") and Slotted.__slots__ == ("a", "b")
    with pytest.raises(FrozenInstanceError):
        one.a = 2  # type: ignore[misc]


def test_repr_leaves_out_repr_false_fields() -> None:
    assert repr(Point(1, 2, "hidden")) == "Point(x=1, y=2)"
    assert repr(Bag("a", [1])) == "Bag(name='a', items=[1])"


def test_inherited_fields_and_post_init() -> None:
    assert [f.name for f in fields(Point3)] == ["x", "y", "note", "z"]
    assert Point3(1, 2, "", 3).z == 3
    assert Counted(4).double == 8


def test_replace_keeps_the_rest_and_refuses_unknown_names() -> None:
    p = Point(1, 2, "n")
    assert replace(p, y=5) == Point(1, 5) and replace(p, y=5).note == "n"
    assert replace(Counted(2), n=3).double == 6  # __post_init__ runs again
    with pytest.raises(TypeError, match="no field 'w'"):
        replace(p, w=1)


def test_pickle_and_copy_of_frozen_records_with_slots() -> None:
    one = Slotted(1, (2, 3))
    for again in (pickle.loads(pickle.dumps(one)), copy.copy(one), copy.deepcopy(one)):
        assert (again.a, again.b) == (1, (2, 3)) and type(again) is Slotted
    assert pickle.loads(pickle.dumps(Point(1, 2, "n"))) == Point(1, 2)


def test_mistakes_in_a_declaration_are_refused() -> None:
    with pytest.raises(TypeError, match="mutable default"):
        record(type("Bad", (), {"__annotations__": {"items": "list[int]"}, "items": []}))
    with pytest.raises(TypeError, match="without a default follows"):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))
    with pytest.raises(ValueError, match="both a default and a default_factory"):
        field(default=1, default_factory=list)


def test_is_record_and_fields_of_something_else() -> None:
    assert is_record(Point) and is_record(Point(1)) and not is_record(object())
    with pytest.raises(TypeError, match="not a record"):
        fields(object())


def test_init_is_made_on_first_use_and_checks_its_arguments_from_the_first_call() -> None:
    @record(frozen=True, slots=True)
    class Fresh:
        a: int
        b: int = 2

    lazy = Fresh.__init__
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        Fresh()  # type: ignore[call-arg]
    assert Fresh.__init__ is not lazy  # the real one took its place
    assert (Fresh(1).a, Fresh(1).b, Fresh(b=3, a=1).b) == (1, 2, 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        Fresh(1, c=3)  # type: ignore[call-arg]


def test_methods_the_class_writes_itself_are_kept() -> None:
    @record(frozen=True)
    class Own:
        a: int

        def __repr__(self) -> str:
            return "own"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Own)

        def __hash__(self) -> int:
            return 7

    assert (repr(Own(1)), Own(1) == Own(2), hash(Own(1))) == ("own", True, 7)

    @record(frozen=True)
    class OwnEq:
        a: int

        def __eq__(self, other: object) -> bool:
            return True

    assert OwnEq(1) == OwnEq(2) and hash(OwnEq(1)) == hash(OwnEq(1))  # the record's hash, not Python's None
