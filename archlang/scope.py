"""Scope: the blocks a file can call, its own and those it imports.

`import "blocks.arch"` brings in the blocks (`def`s) of a file relative to the
importing one; `import resnet` brings in a module of the standard library that
ships inside the package (archlang/stdlib). Each block remembers the scope it
was defined in, so it runs with its own file's defaults (`act`, `pad`,
`default ...`) wherever it is called from. Problems (a missing file, an import
cycle, a name defined twice) are collected as diagnostics.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import ir, syntax
from .diagnostics import ArchError, Collector, Diagnostic
from .limits import DEFAULT, Limits
from .records import field, record
from .source import Source, TooLarge, displayable, read_file

if TYPE_CHECKING:
    from importlib.abc import Traversable

#: Imports nested deeper than this are refused by default (a chain of files importing each other).
MAX_IMPORT_DEPTH = DEFAULT.max_import_depth


@record(eq=False)
class Scope:
    """A module and the blocks visible in it: name -> (definition, the scope
    it was written in)."""

    module: ir.Module
    blocks: dict[str, tuple[ir.Def, Scope]] = field(default_factory=dict)
    #: The `let` values and functions visible here: name -> (definition, the scope it was written in).
    lets: dict[str, tuple[ir.Let, Scope]] = field(default_factory=dict)

    @property
    def source(self) -> Source:
        return self.module.source


def stdlib_folder() -> Traversable:
    """The standard library's folder; importlib.resources is
    imported only by specs that import something, not by every check."""
    from importlib import resources

    return resources.files("archlang.stdlib")


def stdlib_names() -> list[str]:
    return sorted(p.name[:-5] for p in stdlib_folder().iterdir() if p.name.endswith(".arch"))


def library_entry(name: str) -> Traversable | None:
    """The standard library's file of module `name` (`import resnet`), None if it has no such module."""
    return stdlib_folder().joinpath(f"{name}.arch") if name in stdlib_names() else None


def library_source(name: str) -> Source | None:
    """The source of standard-library module `name`, named <stdlib>/NAME.arch; None if there is none."""
    entry = library_entry(name)
    return None if entry is None else Source(f"<stdlib>/{name}.arch", entry.read_text("utf-8"), Path(str(entry)))


def import_base(importer: Source) -> Path:
    """The folder a quoted import's path starts from: the importing file's, else the working directory."""
    return importer.path.parent if importer.path else Path.cwd()


def resolve_import(statement: ir.Import, importer: Source) -> Path:
    """The absolute path a quoted import names (it may not exist); OSError for a name
    the system refuses, RuntimeError for a loop of symbolic links (Python 3.11's resolve)."""
    return (import_base(importer) / statement.path).resolve()


class Loader:
    """Builds scopes, loading each imported file once, within the limits
    `check` was given (the same for imported files as for the network's own)."""

    def __init__(self, limits: Limits = DEFAULT) -> None:
        self.limits = limits
        self.scopes: dict[str, Scope] = {}
        self.stack: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    def scope(self, module: ir.Module) -> Scope:
        scope = Scope(module)
        out = Collector(module.source)
        for statement in module.imports:
            imported = self._import(statement, module.source, out)
            if imported is not None:
                self._merge(scope, imported, statement, out)
        for definition in module.defs:
            self._define(scope, definition, scope, out)
        for let in module.lets:
            self._let(scope, let, out)
        self.diagnostics += out.items
        return scope

    def _let(self, scope: Scope, let: ir.Let, out: Collector) -> None:
        for table in (scope.lets, scope.blocks):
            if let.name in table:
                other, where = table[let.name]
                out.error("E204", f"'{let.name}' is defined twice", let.span,
                          f"the other definition is at {where.source.name}:{other.span.line}")
                return
        scope.lets[let.name] = (let, scope)

    def _define(self, scope: Scope, definition: ir.Def, home: Scope, out: Collector) -> None:
        if definition.name in scope.blocks:
            other, where = scope.blocks[definition.name]
            out.error("E204", f"block '{definition.name}' is defined twice", definition.span,
                      f"the other definition is at {where.source.name}:{other.span.line}")
            return
        scope.blocks[definition.name] = (definition, home)

    def _merge(self, scope: Scope, imported: Scope, statement: ir.Import, out: Collector) -> None:
        for name, (let, home) in imported.lets.items():
            if name in scope.lets and scope.lets[name][0] is not let:
                out.error("E204", f"'{name}' is defined twice", statement.span,
                          f"both {scope.lets[name][1].source.name} and {home.source.name} define it")
                continue
            scope.lets[name] = (let, home)
        for name, (definition, home) in imported.blocks.items():
            if name in scope.blocks and scope.blocks[name][0] is not definition:
                other, where = scope.blocks[name]
                out.error("E204", f"block '{name}' is defined twice", statement.span,
                          f"both {where.source.name}:{other.span.line} and {home.source.name}:"
                          f"{definition.span.line} define it")
                continue
            scope.blocks[name] = (definition, home)

    def _import(self, statement: ir.Import, importer: Source, out: Collector) -> Scope | None:
        source = self._read(statement, importer, out)
        if source is None:
            return None
        key = str(source.path) if source.path else source.name
        if key in self.stack:
            chain = " -> ".join(Path(k).name for k in self.stack[self.stack.index(key):] + [key])
            out.error("E214", f"import cycle: {chain}", statement.span, "move the shared blocks into a third file")
            return None
        if len(self.stack) >= self.limits.max_import_depth:
            out.error("E215", f"imports nest deeper than {self.limits.max_import_depth} files", statement.span,
                      "import the blocks from fewer levels of files, or raise the limit "
                      "(--max-import-depth, or limits=Limits(max_import_depth=...))")
            return None
        if key not in self.scopes:
            self.stack.append(key)
            try:
                self.scopes[key] = self.scope(syntax.parse(source, self.limits.max_depth))
            except ArchError as error:
                self.diagnostics += error.diagnostics
                return None
            finally:
                self.stack.pop()
        return self.scopes[key]

    def _read(self, statement: ir.Import, importer: Source, out: Collector) -> Source | None:
        if statement.library:
            return self._library(statement, out)
        base = import_base(importer)
        if not statement.path.endswith(".arch"):
            out.error("E215", f"cannot import \"{statement.path}\": an import names a spec file ending in .arch",
                      statement.span, "import \"blocks.arch\", or a module of the standard library: import resnet")
            return None
        try:
            path = resolve_import(statement, importer)
            if not path.is_file():
                out.error("E215", f"cannot import \"{statement.path}\": no file {displayable(path)}", statement.span,
                          f"the path is relative to {displayable(base)}")
                return None
            return Source(displayable(path), read_file(path, self.limits.max_bytes), path)
        except TooLarge as error:
            out.error("E100", f"cannot import \"{statement.path}\": it is {error.size:,} bytes, more than the "
                      f"limit of {self.limits.max_bytes:,}", statement.span, "raise the limit (--max-bytes, or limits=Limits(max_bytes=...))")
            return None
        except OSError as error:  # a name too long for the system, a file we may not read
            out.error("E215", f"cannot import \"{statement.path}\": {error.strerror or error}", statement.span)
            return None
        except RuntimeError:  # Python 3.11's resolve() on a loop of symbolic links
            out.error("E215", f"cannot import \"{statement.path}\": a loop of symbolic links", statement.span)
            return None

    def _library(self, statement: ir.Import, out: Collector) -> Source | None:
        source = library_source(statement.path)
        if source is None:
            out.error("E215", f"the standard library has no module '{statement.path}'", statement.span,
                      f"it has: {', '.join(stdlib_names())}; a file is imported with quotes: import \"blocks.arch\"")
        return source


def build_scope(module: ir.Module, limits: Limits = DEFAULT) -> tuple[Scope, list[Diagnostic]]:
    """The scope of a parsed file and the diagnostics met loading its imports,
    within `limits` (bracket depth, file size, import depth)."""
    loader = Loader(limits)
    if module.source.path:
        loader.stack.append(str(module.source.path.resolve()))
    scope = loader.scope(module)
    return scope, loader.diagnostics
