"""Completion: what may be written where the cursor is.

While the user types, the line is usually not valid yet, so the context is
read from the text before the cursor rather than from the parsed tree:
- after `import `: the standard library's modules (in quotes: the spec files
  next to this one);
- after a layer and a space (`conv3-64 `, `default conv `): its options, with
  their defaults, those already given left out;
- after `key=`: the option's values (activations, `same`/`valid`, true/false)
  and the network's parameters;
- after `-`, `/`, `*` or in parentheses: the parameters and lets;
- elsewhere: the layer kinds (with their notation), the blocks of the file
  and its imports, the blocks of standard-library modules it does not import
  yet (choosing one adds the import), and the parameters.
"""

from __future__ import annotations

import functools
import re

from .. import ir, syntax
from ..checker.resolve import kind_quietly
from ..diagnostics import ArchError
from ..layers import ACTIVATIONS, KINDS, Kind, lookup
from ..options import Option, boolean, padding
from ..records import record
from ..scope import Scope, build_scope, library_source, stdlib_names
from ..source import Source
from .document import Document, Point
from .hover import signature, value_text


@record(frozen=True)
class Completion:
    """One item: `label` as shown, `kind` (layer, block, option, parameter,
    module, value, file), a one-line `detail`, Markdown `documentation`, the
    text to insert (the label when None), and `import_line`: an import to add
    at the start of that 1-based line (`(4, "import resnet\\n")`)."""

    label: str
    kind: str
    detail: str = ""
    documentation: str = ""
    insert: str | None = None
    import_line: tuple[int, str] | None = None
    sort: str = ""


_IMPORT = re.compile(r"^\s*import\s+(\")?[\w./-]*$")
_DEFAULT = re.compile(r"^\s*default\s+(?P<kinds>(?:[A-Za-z_]\w*\s+)*?)(?P<opts>(?:\w+=\S+\s+)*)\w*$")
#: A layer as written (conv3-64/2, dropout(0.5), c1: conv5-6), its options, a space, and the word being typed.
_AFTER_LAYER = re.compile(r"(?:^|[\s,\[({|>+→:])(?P<name>[A-Za-z_]\w*)(?P<count>-[\w.()*+-]+)?(?P<stride>/[\w.()]+)?"
                          r"(?P<args>\([^()]*\))?(?P<opts>(?:\s+\w+=\S+)*)\s+\w*$")
_VALUE = re.compile(r"(?P<key>\w+)=[\w.]*$")
_EXPRESSION = re.compile(r"(?:[-/*(]|\bif\s|\band\s|\bor\s|\bnot\s)\s*\w*$")


def completions(doc: Document, point: Point) -> list[Completion]:
    """The completions at a point of the document."""
    line, col = point
    before = doc.source.line_text(line)[:col - 1]
    if "#" in before:
        return []
    if (match := _IMPORT.match(before)) is not None:
        return _files(doc) if match.group(1) else _modules()
    if (match := _DEFAULT.match(before)) is not None and match.group("kinds").strip():
        kinds = [k for name in match.group("kinds").split() if (k := lookup(name))]
        return _options(kinds, _given(match.group("opts")))
    if (match := _VALUE.search(before)) is not None:
        return _values(before, match.group("key")) + _parameters(doc)
    if (match := _AFTER_LAYER.search(before)) is not None and (kind := kind_quietly(match.group("name"))):
        return _options([kind], _given(match.group("opts")) | _written(kind, match))
    if _EXPRESSION.search(before):
        return _parameters(doc)
    return [*_kinds(), *_blocks(doc), *_library_blocks(doc), *_parameters(doc)]


def _given(opts: str) -> set[str]:
    return {item.split("=", 1)[0] for item in opts.split()}


def _written(kind: Kind, match: re.Match[str]) -> set[str]:
    """The options the notation already gives: the size after the name (conv3),
    the count (-64), the stride (/2), the arguments in parentheses."""
    slots = {kind.size: lookup(match.group("name")) is None,  # conv3: the 3 is the kernel
             kind.count: bool(match.group("count")), kind.stride: bool(match.group("stride"))}
    args = match.group("args")
    written = len([a for a in args[1:-1].split(",") if a.strip() and "=" not in a]) if args else 0
    return {name for name, given in slots.items() if name and given} | set(kind.positional[:written])


# ---- layer kinds and their options --------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _kinds() -> list[Completion]:
    items = []
    for kind in KINDS:
        if kind.internal:
            continue
        documentation = f"{kind.doc}\n\n{_option_table(kind)}"
        items.append(Completion(kind.name, "layer", kind.doc.split(":")[0], documentation, sort=f"1{kind.name}"))
        items += [Completion(alias, "layer", f"= {kind.name}", documentation, sort=f"2{alias}")
                  for alias in kind.aliases]
    return items


def _option_table(kind: Kind) -> str:
    """A kind's options, one a line, with their defaults."""
    return "\n".join(f"- `{o.name}`{_default_text(o)}: {o.help}" for o in kind.options if o.name != "act"
                     or kind.weighted) or "no options"


def _default_text(option: Option) -> str:
    if option.required:
        return " (required)"
    return f" = {value_text(option.default)}" if option.default is not None else ""



def _options(kinds: list[Kind], given: set[str]) -> list[Completion]:
    items: dict[str, Completion] = {}
    for kind in kinds:
        taken = {o.name for key in given if (o := kind.option(key))}
        for number, option in enumerate(kind.options):
            if option.name in taken or option.name in items:
                continue
            aliases = f" (also {', '.join(option.aliases)})" if option.aliases else ""
            detail = "required" if option.required else f"default {value_text(option.default)}"
            items[option.name] = Completion(option.name, "option", f"{kind.name} option, {detail}",
                                            f"{option.help}{aliases}", f"{option.name}=", sort=f"{number:03d}")
    return list(items.values())


def _values(before: str, key: str) -> list[Completion]:
    """The values an option takes, where they are words: activations, paddings, true and false."""
    name = _AFTER_LAYER.search(before[:before.rfind(key)] + " ")
    kinds = [k for k in [kind_quietly(name.group("name"))] if k] if name else []
    options = [o for k in kinds or KINDS if (o := k.option(key))]
    if not options:
        return []
    option = options[0]
    if option.name == "act":
        names = sorted({k.name for k in ACTIVATIONS.values()})
        return [Completion("none", "value", "no activation"),
                *(Completion(n, "value", "activation", ACTIVATIONS[n].doc) for n in names)]
    if option.convert is padding:
        return [Completion("same", "value", "P = (K-1)/2"), Completion("valid", "value", "P = 0")]
    if option.convert is boolean:
        return [Completion("true", "value"), Completion("false", "value")]
    return []


# ---- blocks, modules, parameters ----------------------------------------------------------------


def _blocks(doc: Document) -> list[Completion]:
    scope = doc.scope
    if scope is None:
        return []
    return [_block_item(name, definition, home.source) for name, (definition, home) in scope.blocks.items()]


def _block_item(name: str, definition: ir.Def, source: Source, module: str | None = None,
                where: int = 0) -> Completion:
    """A block, defined in `source`; one of the standard library's `module`, not imported
    yet, adds `import module` at line `where`."""
    detail = f"{name}{signature(definition)}" + (f", adds import {module}" if module else "")
    return Completion(name, "block", detail, f"block, defined at {source.name}:{definition.span.line}",
                      import_line=(where, f"import {module}\n") if module else None,
                      sort=f"{'3' if module else '0'}{name}")


def _library_blocks(doc: Document) -> list[Completion]:
    """The blocks of standard-library modules this file does not import yet; choosing one imports it."""
    module = doc.module
    if module is None:
        return []
    imported = {i.path for i in module.imports if i.library}
    seen = set(doc.scope.blocks) if doc.scope else set()
    where = _import_line(doc)
    items = []
    for name in stdlib_names():
        if name in imported:
            continue
        scope = _library_scope(name)
        for block, (definition, home) in scope.blocks.items() if scope else ():
            if block not in seen and home.source.name == f"<stdlib>/{name}.arch":
                items.append(_block_item(block, definition, home.source, name, where))
    return items


@functools.lru_cache(maxsize=16)
def _library_scope(name: str) -> Scope | None:
    """A standard-library module's scope, parsed once: the package's files do not change while it runs."""
    source = library_source(name)
    if source is None:
        return None
    try:
        module = syntax.parse(source)
    except ArchError:  # a broken library file offers no blocks; its own check reports it
        return None
    return build_scope(module)[0]


def _import_line(doc: Document) -> int:
    """Where an added import goes: after the last import, else after the header statements."""
    module = doc.module
    assert module is not None
    header: list[ir.NetworkDecl | ir.InputDecl | ir.Default] = [*module.networks, *module.inputs, *module.defaults]
    spans = [i.span for i in module.imports] or [s.span for s in header]
    return max((s.end_line for s in spans), default=0) + 1


def _modules() -> list[Completion]:
    return [Completion(name, "module", "standard library", f"`import {name}`: the blocks of "
                       f"archlang/stdlib/{name}.arch") for name in stdlib_names()]


def _files(doc: Document) -> list[Completion]:
    """The spec files next to this one, for `import "..."`."""
    path = doc.source.path
    if path is None:
        return []
    return [Completion(p.name, "file", "spec file") for p in sorted(path.parent.glob("*.arch")) if p != path]


def _parameters(doc: Document) -> list[Completion]:
    module = doc.module
    if module is None:
        return []
    values = doc.network.params_values if doc.network else {}
    items = [Completion(p.name, "parameter", f"network parameter = {value_text(values.get(p.name))}",
                        sort=f"0{p.name}") for network in module.networks[:1] for p in network.params]
    scope = doc.scope
    items += [Completion(name, "let", "let", sort=f"0{name}") for name in (scope.lets if scope else ())]
    return items
