"""The walk's context: what every step of the check knows, passed down explicitly.

`Run` is the state one check shares between its steps: the diagnostics it has
collected, the limits, the network's own scope, and caches. `Context` is where
a step stands: the parameter values in force, the scope (file) whose blocks
and defaults apply, the chain of block calls that led here, and where the
step sits in the network (at its tail, before an explicit activation). A step
that goes into a block or a branch makes a new context; nothing is swapped
on an object and restored afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..diagnostics import CODES, Diagnostic
from ..limits import Limits
from ..records import field, record, replace
from ..scope import Scope
from ..source import Source, Span


@record(eq=False)
class Run:
    """The shared state of one check: the limits, the root scope (the
    network's own file) and the network's parameter values, the diagnostics
    in the order found (each once), and caches keyed by node identity and the
    values in force."""

    limits: Limits
    root: Scope
    network_env: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seen: set[tuple[str, str, str, Span | None]] = field(default_factory=set)
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def report(self, severity: str, source: Source | None, code: str, message: str, span: Span | None,
               hint: str | None = None) -> None:
        assert code in CODES, code
        key = (source.name if source else "", code, message, span)
        if key in self.seen:
            return  # e.g. a bad file-wide default, met again by every layer it applies to
        self.seen.add(key)
        self.diagnostics.append(Diagnostic(severity, code, message, span, source, hint))

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        """Diagnostics found elsewhere (loading imports), kept as they are."""
        self.diagnostics.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


@record(frozen=True, eq=False)
class Context:
    """Where one step of the walk stands. `env` holds the parameter values
    (the network's, or a block's arguments); `scope` the file whose blocks
    and defaults apply; `stack` the names of the block calls that led here;
    `tail`: nothing with weights follows on the way to the network's output
    (so the output layer gets no default activation); `act_follows`: an
    explicit activation is written right after; `depth`: how many sequences
    (brackets, block bodies) enclose the step, through every block call."""

    run: Run
    env: Mapping[str, Any]
    scope: Scope
    stack: tuple[str, ...] = ()
    tail: bool = False
    act_follows: bool = False
    depth: int = 0

    def at(self, tail: bool, act_follows: bool = False) -> Context:
        """This context at another position."""
        if tail == self.tail and act_follows == self.act_follows:
            return self
        return replace(self, tail=tail, act_follows=act_follows)

    def deeper(self) -> Context:
        """This context one sequence further in."""
        return replace(self, depth=self.depth + 1)

    def with_env(self, env: Mapping[str, Any]) -> Context:
        """This context with other values (a repeat's iteration number added)."""
        return replace(self, env=env)

    def inside(self, name: str, env: Mapping[str, Any], scope: Scope) -> Context:
        """The context of the body of block `name`, called with `env`, defined in `scope`."""
        return replace(self, env=env, scope=scope, stack=(*self.stack, name))

    @property
    def source(self) -> Source:
        return self.scope.source

    @property
    def origin(self) -> str | None:
        """The file a layer here is written in, when it is not the network's own."""
        return None if self.scope is self.run.root else self.scope.source.name

    @property
    def env_key(self) -> tuple[Any, ...]:
        return tuple(self.env.items())

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.run.report("error", self.source, code, message, span, hint)

    def warning(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.run.report("warning", self.source, code, message, span, hint)
