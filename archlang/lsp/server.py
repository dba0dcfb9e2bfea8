"""The pygls adapter: LSP messages in, archlang's answers out, over stdio.

Each feature is registered with `@SERVER.feature(...)` and does three
things: find the open document (analysed once per version of its text),
convert the editor's position to archlang's, and convert the answer of
`hover`, `complete` or `navigate` to lsprotocol's types. Diagnostics are
published on every open and change (full text sync), and for every open
file when a spec changes on disk (it may be imported); one in an imported
file is shown on the import that brings it, pointing at where it is.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .._version import __version__
from ..diagnostics import Diagnostic
from ..source import Source, Span
from . import formatting
from .complete import Completion, completions
from .document import Document, to_client, to_point
from .hover import hover
from .locate import imported_file
from .navigate import FILE_START, Symbol, definition, symbols

SERVER = LanguageServer("archc", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)

#: The analysed documents by URI, each for the text it was made from.
_DOCUMENTS: dict[str, Document] = {}

_COMPLETION_KINDS = {
    "layer": types.CompletionItemKind.Class, "block": types.CompletionItemKind.Function,
    "option": types.CompletionItemKind.Property, "parameter": types.CompletionItemKind.Variable,
    "let": types.CompletionItemKind.Constant, "module": types.CompletionItemKind.Module,
    "value": types.CompletionItemKind.Value, "file": types.CompletionItemKind.File,
}

_SYMBOL_KINDS = {
    "network": types.SymbolKind.Module, "parameter": types.SymbolKind.Variable,
    "module": types.SymbolKind.Namespace, "let": types.SymbolKind.Constant,
    "block": types.SymbolKind.Function, "variant": types.SymbolKind.Object,
    "layer": types.SymbolKind.Field, "block call": types.SymbolKind.Method,
    "repeat": types.SymbolKind.Array, "group": types.SymbolKind.Array,
    "branch": types.SymbolKind.Struct, "condition": types.SymbolKind.Boolean,
    "side": types.SymbolKind.Event,
}


def serve() -> None:
    """Run the server over stdin and stdout until the editor shuts it down."""
    SERVER.start_io()


# ---- documents and positions --------------------------------------------------------------------


def document(ls: LanguageServer, uri: str) -> Document:
    """The analysed document at `uri`, made anew only when its text changed."""
    text = ls.workspace.get_text_document(uri).source
    known = _DOCUMENTS.get(uri)
    if known is None or known.text != text:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        known = _DOCUMENTS[uri] = Document(text, Path(path) if path else None)
    return known


def _encoding(ls: LanguageServer) -> str:
    return str(ls.workspace.position_encoding or "utf-16")


def _point(ls: LanguageServer, doc: Document, position: types.Position) -> tuple[int, int]:
    return to_point(doc.source, position.line, position.character, _encoding(ls))


def _range(ls: LanguageServer, source: Source, span: Span | None) -> types.Range:
    if span is None or span.line < 1:
        return types.Range(types.Position(0, 0), types.Position(0, 0))
    start = to_client(source, span.line, span.col, _encoding(ls))
    end = to_client(source, span.end_line, span.end_col, _encoding(ls))
    return types.Range(types.Position(*start), types.Position(*end))


def _uri(source: Source) -> str | None:
    return from_fs_path(str(source.path)) if source.path else None


# ---- diagnostics --------------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    publish(ls, params.text_document.uri, params.text_document.version)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    publish(ls, params.text_document.uri, params.text_document.version)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    _DOCUMENTS.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_files(ls: LanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    """A spec changed on disk (the editor watches *.arch): the open files may import it, so check them again."""
    for uri in list(_DOCUMENTS):
        _DOCUMENTS.pop(uri)
        publish(ls, uri, None)


def publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    """Analyse the document's text and send every diagnostic."""
    doc = document(ls, uri)
    found = [_diagnostic(ls, doc, d) for d in doc.analysis.diagnostics]
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, found, version))


def _diagnostic(ls: LanguageServer, doc: Document, found: Diagnostic) -> types.Diagnostic:
    severity = types.DiagnosticSeverity.Error if found.is_error else types.DiagnosticSeverity.Warning
    message = found.message_and_hint
    data = {"hint": found.hint, "file": found.file}
    if found.source is None or found.source.name == doc.source.name:
        return types.Diagnostic(_range(ls, doc.source, found.span), message, severity, found.code, source="archc",
                                data=data)
    # In an imported file: shown on the import that brings it, with the place it is in.
    where = f"{found.source.name}:{found.line}:{found.col}"
    related = None
    if (uri := _uri(found.source)) is not None:
        related = [types.DiagnosticRelatedInformation(types.Location(uri, _range(ls, found.source, found.span)),
                                                      found.message)]
    return types.Diagnostic(_range(ls, doc.source, _import_span(doc, found.source)), f"{where}: {message}",
                            severity, found.code, source="archc", related_information=related, data=data)


def _import_span(doc: Document, source: Source) -> Span:
    """The import of the document that brings in `source` (the first import when it comes in deeper)."""
    imports = doc.module.imports if doc.module else ()
    for node in imports:
        file = imported_file(doc, node)
        if file is not None and source.path is not None and file == source.path.resolve():
            return node.span
    return imports[0].span if imports else FILE_START


# ---- questions ----------------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = document(ls, params.text_document.uri)
    found = hover(doc, _point(ls, doc, params.position))
    if found is None:
        return None
    content = types.MarkupContent(types.MarkupKind.Markdown, found.markdown)
    return types.Hover(content, _range(ls, doc.source, found.span))


@SERVER.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[" ", "=", "-"]))
def on_completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    doc = document(ls, params.text_document.uri)
    items = [_completion_item(ls, doc, item) for item in completions(doc, _point(ls, doc, params.position))]
    return types.CompletionList(is_incomplete=False, items=items)


def _completion_item(ls: LanguageServer, doc: Document, item: Completion) -> types.CompletionItem:
    edits = None
    if item.import_line is not None:
        line, text = item.import_line
        at = types.Position(line - 1, 0)
        edits = [types.TextEdit(types.Range(at, at), text)]
    documentation = types.MarkupContent(types.MarkupKind.Markdown, item.documentation) if item.documentation else None
    return types.CompletionItem(item.label, kind=_COMPLETION_KINDS[item.kind], detail=item.detail or None,
                                documentation=documentation, insert_text=item.insert, sort_text=item.sort or None,
                                additional_text_edits=edits)


@SERVER.feature(types.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: LanguageServer, params: types.DefinitionParams) -> types.Location | None:
    doc = document(ls, params.text_document.uri)
    found = definition(doc, _point(ls, doc, params.position))
    if found is None:
        return None
    uri = _uri(found.source) or params.text_document.uri
    return types.Location(uri, _range(ls, found.source, found.span))


@SERVER.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def on_symbols(ls: LanguageServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    doc = document(ls, params.text_document.uri)
    return [_symbol(ls, doc, s) for s in symbols(doc)]


def _symbol(ls: LanguageServer, doc: Document, symbol: Symbol) -> types.DocumentSymbol:
    return types.DocumentSymbol(symbol.name, _SYMBOL_KINDS[symbol.kind], _range(ls, doc.source, symbol.span),
                                _range(ls, doc.source, symbol.selection), symbol.detail or None,
                                children=[_symbol(ls, doc, c) for c in symbol.children] or None)


@SERVER.feature(types.TEXT_DOCUMENT_FORMATTING)
def on_formatting(ls: LanguageServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    doc = document(ls, params.text_document.uri)
    formatted = formatting.format_document(doc)
    if formatted is None:
        return None
    if formatted == doc.text:
        return []
    end = types.Position(len(doc.source.lines), 0)
    return [types.TextEdit(types.Range(types.Position(0, 0), end), formatted)]
