"""The pipeline: load -> parse -> scope -> walk -> rows, over the stages below it.

`analyze` never raises: it returns whatever could be checked (the parsed
module, the checked network, or neither) and every diagnostic, each with its
file and range, which is what an editor needs while the user types. `check`
is the strict entry point on top: the checked network, or `ArchError` with
every diagnostic when one is an error.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import accounting, ir, syntax, zoo
from .checker import CheckedNetwork, check_module
from .diagnostics import ArchError, Collector, Diagnostic, sort_key
from .limits import Limits, as_limits
from .nodes import room_to_recurse
from .records import field, record
from .source import Source, TooLarge, displayable, read_file, text_as_read


@record(eq=False)
class Analysis:
    """What `analyze` found: the source (None if it could not be read), the
    parsed module (None after a syntax error that stops parsing), the checked
    network (None if the module could not be checked at all) and every
    diagnostic, errors and warnings, in source order."""

    source: Source | None
    module: ir.Module | None = None
    network: CheckedNetwork | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def _exists(text: str) -> bool:
    """Whether one line of text names something on disk; a name the system
    refuses (too long, say) names nothing, so the line is spec text."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


_BYTES_HINT = "raise the limit (--max-bytes, or limits=Limits(max_bytes=...))"


def is_path(path_or_text: str | Path) -> bool:
    """A `Path`, or a string naming a file or ending in .arch, is a path; other text is a spec."""
    return isinstance(path_or_text, Path) or bool(
        path_or_text.strip() and "\n" not in path_or_text
        and (path_or_text.endswith(".arch") or _exists(path_or_text)))


def load(path_or_text: str | Path, max_bytes: int) -> Source:
    """A `Source` from a path or from spec text; `ArchError` (E100) if it
    cannot be read or is larger than `max_bytes`."""
    if not is_path(path_or_text):
        text = str(path_or_text)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise ArchError([Diagnostic("error", "E100", f"the spec is {size:,} bytes, more than the limit of "
                                        f"{max_bytes:,}", None, Source("<string>", ""), _BYTES_HINT)])
        return Source("<string>", text_as_read(text))
    path = Path(path_or_text)
    name = displayable(path)
    out = Collector(Source(name, ""))
    try:
        return Source(name, read_file(path, max_bytes), path)
    except TooLarge as error:
        out.error("E100", f"{name} is {error.size:,} bytes, more than the limit of {max_bytes:,}", None, _BYTES_HINT)
    except OSError as error:
        out.error("E100", f"cannot read {name}: {error.strerror or error}", None)
    raise ArchError(out.items)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a spec is checked: a long spec is
    hundreds of thousands of young objects (Lark's tree, the IR, the layers)
    and no cycles, and the collector's passes over them doubled the time of a
    40,000-layer spec. Whatever cycles arise are collected once it is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _too_deep(source: Source) -> Diagnostic:
    # Brackets are capped by the syntax stage; a chain of hundreds of operators
    # (1+1+...+1, ------1) still nests the tree past Python's limit.
    return Diagnostic("error", "E109", "the spec nests too deeply to check (hundreds of operators in a row, "
                      "or brackets past what Python can follow)", None, source)


@_cycle_collector_paused()
@room_to_recurse()
def analyze_source(source: Source, params: Mapping[str, Any], limits: Limits) -> Analysis:
    """Parse and check one source; never raises."""
    analysis = Analysis(source)
    try:
        analysis.module, syntax_errors = syntax.parse_recovering(source, limits.max_depth)
        analysis.diagnostics = list(syntax_errors)
        if analysis.module is not None:
            analysis.network = check_module(analysis.module, params, limits)
            # Where a syntax error stands (a number too long, read as 0), a semantic one is its echo.
            places = {(d.source.name if d.source else "", d.span) for d in syntax_errors}
            broken_input = any(d.source and d.source.line_text(d.line).lstrip().startswith("input")
                               for d in syntax_errors)
            analysis.diagnostics += [d for d in analysis.network.diagnostics
                                     if (d.source.name if d.source else "", d.span) not in places
                                     and not (broken_input and d.code == "E301")]
    except RecursionError:
        analysis.module = analysis.network = None
        analysis.diagnostics = [_too_deep(source)]
    analysis.diagnostics.sort(key=sort_key)
    return analysis


def _zoo_model(path_or_text: str | Path) -> zoo.Model | None:
    """The model of the zoo a one-word argument names (no file of that name
    exists); `ArchError` (E216, with a suggestion) for a word that names none."""
    text = str(path_or_text)
    if not zoo.looks_like_a_name(text) or _exists(text):
        return None
    model = zoo.find(text)
    if model is None:
        from .checker.evaluate import suggest

        hint = suggest(text, zoo.models()) or "archc zoo lists the names; a spec file is named with its path"
        message = f"'{text}' is not a file, and the zoo has no network of that name"
        raise ArchError([Diagnostic("error", "E216", message, None, Source("<zoo>", ""), hint)])
    return model


def _target(path_or_text: str | Path, params: Mapping[str, Any], limits: Limits
            ) -> tuple[Source, dict[str, Any], str | None]:
    """The source to check, the parameter values, and the name to give the
    network: a zoo name reads its family file with the model's values (which
    `params` override) and names the network after the model."""
    model = _zoo_model(path_or_text)
    if model is None:
        return load(path_or_text, limits.max_bytes), dict(params), None
    source = load(model.path, limits.max_bytes)
    return Source(model.source_name, source.text, source.path), {**model.params, **params}, model.name


def analyze(path_or_text: str | Path, *, limits: Limits | Mapping[str, int] | None = None,
            batch: int = 1, optimizer: str = "sgd", **params: Any) -> Analysis:
    """Everything that can be checked of a spec (a path, its text, or a name
    of the zoo), with every diagnostic; never raises for any spec. Parameters
    override the network's defaults; `limits` bounds the work (see `Limits`);
    `batch` and `optimizer` size the memory estimate (as for `check`)."""
    bounds = as_limits(limits)
    batch, optimizer = accounting.settings(batch, optimizer)
    try:
        source, values, name = _target(path_or_text, params, bounds)
    except ArchError as error:
        return Analysis(None, diagnostics=list(error.diagnostics))
    analysis = analyze_source(source, values, bounds)
    if analysis.network is not None:
        _name_and_size(analysis.network, name, batch, optimizer)
    return analysis


def _name_and_size(network: CheckedNetwork, name: str | None, batch: int, optimizer: str) -> None:
    """A zoo model's name for the network; the batch and optimizer its memory estimate is for."""
    if name is not None:
        network.name = name
    network.batch, network.optimizer = batch, optimizer


def sized(analysis: Analysis, batch: int = 1, optimizer: str = "sgd") -> Analysis:
    """The analysis with its network's memory estimate for `batch` and `optimizer`
    (checked as `analyze` checks them): for a source analysed on its own (`-`)."""
    batch, optimizer = accounting.settings(batch, optimizer)
    if analysis.network is not None:
        _name_and_size(analysis.network, None, batch, optimizer)
    return analysis


def check_source(source: Source, params: Mapping[str, Any], limits: Limits) -> CheckedNetwork:
    """The checked network of one source, or `ArchError` with every diagnostic."""
    analysis = analyze_source(source, params, limits)
    if analysis.network is None or not analysis.ok:
        raise ArchError(analysis.diagnostics)
    return analysis.network


def check(path_or_text: str | Path, *, limits: Limits | Mapping[str, int] | None = None,
          batch: int = 1, optimizer: str = "sgd", **params: Any) -> CheckedNetwork:
    """Check a spec (a path, its text, or a name of the zoo such as
    "resnet50"), with parameters overriding the
    network's defaults. Returns the checked network (warnings in its
    `diagnostics`); raises `ArchError` with every diagnostic if any is an error.

    `limits` (a `Limits`, or a dict of some of them) refuses what no real
    network needs, each with its own error: more than `max_layers` layers
    once repeats are expanded (E307), files or text of more than `max_bytes`
    bytes (E100), brackets nested more than `max_depth` deep (E109), imports
    nested more than `max_import_depth` files deep (E215).

    `batch` (examples per step) and `optimizer` (sgd, momentum, adam, adamw)
    size the memory estimate of the report (`archlang.accounting`); a batch
    above 1 also shows in its shapes. Anything else is ValueError."""
    bounds = as_limits(limits)
    batch, optimizer = accounting.settings(batch, optimizer)
    source, values, name = _target(path_or_text, params, bounds)
    network = check_source(source, values, bounds)
    _name_and_size(network, name, batch, optimizer)
    return network
