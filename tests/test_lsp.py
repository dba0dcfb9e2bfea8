"""`archc lsp` end to end: a real client (pytest-lsp) talks to the server over stdio.

One server for the module: diagnostics of a file with errors (exact codes
and ranges) and after an edit, one from an imported file, the hover on
VGG-16's `conv3-64`, completion after `conv3-64 `, go to definition of a
ResNet block into the standard library, the outline of ResNet-50, and
formatting through the formatter. And `archc lsp` without pygls.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import ARCHITECTURES_DIR, ROOT, STDLIB, write
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

#: The async tests share the module's event loop, and with it the one server.
IN_SESSION = pytest.mark.asyncio(loop_scope="module")

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "archlang", "lsp"],
                            server_env={**os.environ, "PYTHONPATH": str(ROOT)})

BROKEN = "network broken\ninput 3@10x10\nconv3-8 p=0, pool\nconv5-16 p=0\nconx3-64\n"


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                               root_uri=ROOT.as_uri()))
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    """Open a file in the client (its text on disk, or `text`) and wait for its diagnostics."""
    uri = path.resolve().as_uri()
    content = path.read_text("utf-8") if text is None else text
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "archlang", 1, content)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


def _found(client: LanguageClient, uri: str) -> list[tuple[str, int, int, int, int]]:
    return [(str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
            for d in client.diagnostics[uri]]


def _at(uri: str, line: int, character: int) -> dict[str, object]:
    return {"text_document": types.TextDocumentIdentifier(uri), "position": types.Position(line, character)}


# ---- diagnostics --------------------------------------------------------------------------------


@IN_SESSION
async def test_every_diagnostic_of_a_file_with_errors_with_its_code_range_and_hint(client: LanguageClient,
                                                                                   tmp_path: Path) -> None:
    uri = await _open(client, write(tmp_path, "broken.arch", BROKEN))
    # 0-based: conv5-16 p=0 on line 4 (E302, the whole call), conx3 on line 5 (E201, the name).
    assert _found(client, uri) == [("E302", 3, 0, 3, 12), ("E201", 4, 0, 4, 5)]
    first, second = client.diagnostics[uri]
    assert first.severity == types.DiagnosticSeverity.Error and first.source == "archc"
    assert first.message.startswith("conv5 leaves an output of size 0 from input size 4\nhint: output = floor(")
    assert second.message == "unknown layer 'conx3'\nhint: did you mean 'conv3'?"

    fixed = BROKEN.replace("conx3", "conv3").replace("conv5-16 p=0", "conv5-16 p=2")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri),
        [types.TextDocumentContentChangeWholeDocument(fixed)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert _found(client, uri) == []


@IN_SESSION
async def test_a_diagnostic_in_an_imported_file_shows_on_its_import(client: LanguageClient, tmp_path: Path) -> None:
    blocks = write(tmp_path, "blocks.arch", "def b(c) = conx3-c\n")
    uri = await _open(client, write(tmp_path, "net.arch", 'network n\ninput 3@8x8\nimport "blocks.arch"\nb(8)\n'))
    assert _found(client, uri) == [("E201", 2, 0, 2, 20)]
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.message.startswith(f"{blocks.resolve()}:1:12: unknown layer 'conx3'")
    (related,) = diagnostic.related_information or []
    assert related.location.uri == blocks.resolve().as_uri()
    assert (related.location.range.start.line, related.location.range.start.character) == (0, 11)

    # The imported file is fixed on disk: the editor says so, and the importer is checked again.
    blocks.write_text("def b(c) = conv3-c\n", "utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(blocks.resolve().as_uri(), types.FileChangeType.Changed)]))
    while _found(client, uri):  # every open file is published again, this one among them
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    assert _found(client, uri) == []


# ---- hover, completion, definition, outline ------------------------------------------------------


@IN_SESSION
async def test_hover_on_conv3_64_in_vgg16_shows_its_shapes_and_parameters(client: LanguageClient) -> None:
    uri = await _open(client, ARCHITECTURES_DIR / "vgg16.arch")
    found = await client.text_document_hover_async(types.HoverParams(**_at(uri, 11, 3)))  # [conv3-64]*2, pool
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    assert found.range == types.Range(types.Position(11, 1), types.Position(11, 9))
    rows = [line for line in found.contents.value.splitlines() if line.startswith("| conv")]
    assert rows == ["| conv1_1 `conv3-64 + relu` | 3@224x224 → 64@224x224 | 1,792 | 86,704,128 | 3/1 |",
                    "| conv1_2 `conv3-64 + relu` | 64@224x224 → 64@224x224 | 36,928 | 1,849,688,064 | 5/1 |"]


@IN_SESSION
async def test_hover_on_a_block_call_shows_its_expansion_totals(client: LanguageClient) -> None:
    uri = await _open(client, ARCHITECTURES_DIR / "resnet50.arch")
    found = await client.text_document_hover_async(types.HoverParams(**_at(uri, 12, 12)))
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    assert "| conv2_x | 64@56x56 → 256@56x56 | 13 | 215,808 | 667,942,912 |" in found.contents.value


@IN_SESSION
async def test_completion_after_conv3_64_offers_its_options(client: LanguageClient, tmp_path: Path) -> None:
    uri = await _open(client, write(tmp_path, "typing.arch", "network t\ninput 3@32x32\nconv3-64 \n"))
    found = await client.text_document_completion_async(types.CompletionParams(**_at(uri, 2, 9)))
    items = found.items if isinstance(found, types.CompletionList) else found or []
    # The notation gave the kernel (3) and the filters (64): the other options, in the table's order.
    assert [item.label for item in items] == ["stride", "pad", "dilation", "groups", "bias", "bn", "bn_eps",
                                              "bn_momentum", "act"]
    pad = items[1]
    assert (pad.insert_text, pad.detail, pad.kind) == ("pad=", "conv option, default same",
                                                       types.CompletionItemKind.Property)


@IN_SESSION
async def test_definition_of_a_resnet_block_goes_into_the_standard_library(client: LanguageClient,
                                                                          tmp_path: Path) -> None:
    resnet = (STDLIB / "resnet.arch").resolve().as_uri()
    uri = await _open(client, ARCHITECTURES_DIR / "resnet50.arch")
    stage = await client.text_document_definition_async(types.DefinitionParams(**_at(uri, 12, 12)))
    assert stage == types.Location(resnet, types.Range(types.Position(21, 4), types.Position(21, 20)))
    spec = write(tmp_path, "one_block.arch", "network one\ninput 64@56x56\nimport resnet\nbottleneck(64)\n")
    uri = await _open(client, spec)
    block = await client.text_document_definition_async(types.DefinitionParams(**_at(uri, 3, 2)))
    # def bottleneck(c, s = 1) = ... is line 14 of archlang/stdlib/resnet.arch.
    assert block == types.Location(resnet, types.Range(types.Position(13, 4), types.Position(13, 14)))
    module = await client.text_document_definition_async(types.DefinitionParams(**_at(uri, 2, 8)))
    assert module == types.Location(resnet, types.Range(types.Position(0, 0), types.Position(0, 0)))


@IN_SESSION
async def test_the_outline_of_resnet50(client: LanguageClient) -> None:
    uri = await _open(client, ARCHITECTURES_DIR / "resnet50.arch")
    found = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri)))
    symbols = [s for s in found or [] if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.detail) for s in symbols] == [
        ("resnet50", "3@224x224 → 1000, 25,557,032 params"), ("resnet", "standard library"),
        ("conv7-64/2", "64@112x112"), ("maxpool3/2 p=1", "64@56x56"),
        ("conv2_x", "bottleneck_stage(64, 3, 1) → 256@56x56"), ("conv3_x", "bottleneck_stage(128, 4) → 512@28x28"),
        ("conv4_x", "bottleneck_stage(256, 6) → 1024@14x14"), ("conv5_x", "bottleneck_stage(512, 3) → 2048@7x7"),
        ("gap", "2048"), ("fc-classes", "1000")]
    assert [(c.name, c.kind) for c in symbols[0].children or []] == [("classes", types.SymbolKind.Variable)]
    assert symbols[4].kind == types.SymbolKind.Method and symbols[2].kind == types.SymbolKind.Field


@IN_SESSION
async def test_formatting_goes_through_the_formatter(client: LanguageClient, tmp_path: Path) -> None:
    from archlang import printer

    text = "network n\ninput 3@32x32\n[conv3-16 p=1,pool]*2 ,fc-10\n"
    uri = await _open(client, write(tmp_path, "messy.arch", text))
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        types.TextDocumentIdentifier(uri), types.FormattingOptions(4, True)))
    assert [edit.new_text for edit in edits or []] == [printer.format_text(text)]


# ---- without pygls ------------------------------------------------------------------------------

WITHOUT_PYGLS = """
import sys
sys.modules["pygls"] = None  # as if pygls were not installed
from archlang.cli import main
sys.argv = ["archc", "lsp"]
main()
"""


def test_archc_lsp_without_pygls_says_how_to_install_it() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_PYGLS], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
                          check=False)
    assert done.returncode == 1
    assert done.stderr == ("archc: error: archc lsp needs the language server packages pygls and lsprotocol, "
                           "which are not installed: pip install 'archlang[lsp]' (or pip install 'pygls>=2' "
                           "lsprotocol)\n")
