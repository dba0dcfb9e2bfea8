"""Codegen safety: what a spec says never changes what the generated program does.

An injection corpus (file names, imported file names, comments, parameter
values, labels, block and network names with quotes, newlines, backslashes,
Unicode look-alikes, bidi overrides, zero-width characters and Python code)
goes through `archc build`'s code path. Each result must parse with `ast` and
hold only what generated code holds (`audit`): imports of torch, torch.nn and
torch.nn.functional; class definitions on nn.Module; methods `__init__` and
`forward`; no names such as eval, exec, open, __import__, os or subprocess;
string constants only from the set the shipped architectures use. Where the
injection is only text (file names, comments, parameter values), the program
must be the very same program: its AST equals the one from a plain file.
Names that are not identifiers are refused with E401.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, write_raw

import archlang
from archlang import codegen

MODULES = {"torch", "torch.nn", "torch.nn.functional", "math"}
FORBIDDEN = {"eval", "exec", "open", "__import__", "compile", "os", "subprocess", "sys", "builtins", "globals",
             "locals", "vars", "getattr", "setattr", "delattr", "input", "breakpoint", "__builtins__", "importlib",
             "pickle", "shutil", "socket", "system", "popen"}
FUNCTIONS = {"__init__", "forward", "_as_2d"}
BASES = {"nn.Module", "nn.Embedding"}

#: Hostile pieces of text: quotes, newlines, backslashes, look-alikes, bidi, zero-width, code.
HOSTILE = [
    'a"b', "a'b", 'a"""b', "a'''b", "a\\b", "a\\", "a\nimport os", "a\r\nimport os", "a\rb", "a\x0bb", "a\x0cb",
    "a\x85b", "a\u2028b", "a\u2029b", "\u202eevil", "a\u2066b\u2069", "a\u200bb", "a\u200db", "\ufeffa",
    "ｆｕｌｌｗｉｄｔｈ", "\u0430dmin", "a\x00b", "x = __import__('os').system('id')", '"; exec("print(1)"); "',
    "\\x41\\u0042", "{x}", "%s", "# comment", "\ud800", "\U0001f600",
]


def audit(source: str, network: str) -> None:
    """Assert a generated source holds only what generated code may hold."""
    assert source.isascii(), [c for c in source if not c.isascii()][:5]
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", source), "control character in the source"
    tree = ast.parse(source)
    docstrings = {id(body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and (body := node.body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {alias.name for alias in node.names} <= MODULES, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module == "torch" and [a.name for a in node.names] == ["nn"], ast.unparse(node)
        elif isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN, node.id
        elif isinstance(node, ast.Attribute):
            # Methods of modules (model.eval()) are fine; dunders past __init__ and shell calls are not.
            assert node.attr not in {"system", "popen", "spawn"} and (
                not node.attr.startswith("__") or node.attr == "__init__"), ast.unparse(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            assert isinstance(node, ast.FunctionDef) and node.name in FUNCTIONS and not node.decorator_list
        elif isinstance(node, ast.ClassDef):
            assert {ast.unparse(b) for b in node.bases} <= BASES and not node.decorator_list and not node.keywords
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            assert node.value in STRINGS or node.value == f"{network}: output ", node.value
        assert not isinstance(node, (ast.Global, ast.Nonlocal, ast.Delete, ast.With, ast.Try, ast.Raise,
                                     ast.Await, ast.Yield, ast.YieldFrom)) or _allowed_with(node), ast.dump(node)


def _allowed_with(node: ast.AST) -> bool:
    """The one `with` generated code has: `with torch.no_grad():` in the main block."""
    return isinstance(node, ast.With) and ast.unparse(node.items[0]) == "torch.no_grad()"


def _strings(source: str) -> set[str]:
    tree = ast.parse(source)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings and not n.value.endswith(": output ")}


def generated(spec: str | Path, **params: object) -> str:
    return codegen.python(archlang.check(spec, **params))  # type: ignore[arg-type]


#: The string constants the shipped architectures' programs hold: the allowed set.
STRINGS: set[str] = set().union(*(_strings(generated(path)) for path in ARCHITECTURES))

SPEC = "network safe\ninput 3@16x16\nact relu\n{conv1-4 | conv3-4 -> conv3-4 | maxpool3/1 p=1}, {x + conv3-12}, local3-2, fc-10\n"
BLOCKS = "def pair(c) = conv3-c, conv3-c\n"


def file_names() -> list[str]:
    """The corpus as file names: what a file system takes (no NUL, no slash, no lone surrogate)."""
    return [f"{text}.arch" for text in HOSTILE if "\x00" not in text and "\ud800" not in text]


def test_the_shipped_architectures_pass_the_audit() -> None:
    for path in ARCHITECTURES:
        network = archlang.check(path)
        audit(codegen.python(network), network.name)


@pytest.mark.parametrize("name", file_names(), ids=ascii)
def test_file_names_do_not_change_the_program(tmp_path: Path, name: str) -> None:
    plain = generated(write_raw(tmp_path, "plain.arch", SPEC))
    source = generated(write_raw(tmp_path, name, SPEC))
    audit(source, "safe")
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(plain))


@pytest.mark.parametrize("name", file_names(), ids=ascii)
def test_file_names_that_are_not_identifiers_are_refused(tmp_path: Path, name: str) -> None:
    """Without a `network` line the file name names the class: E401 unless it is an identifier."""
    path = write_raw(tmp_path, name, SPEC.replace("network safe\n", ""))
    with pytest.raises(archlang.ArchError) as info:
        generated(path)
    assert [d.code for d in info.value.errors] == ["E401"]


@pytest.mark.parametrize("name", ["my-net", "class", "import", "None", "1net", "net work", "ｎｅｔ", "n\u200bet",
                                  "\u202enet", "n\u0435t", "net;import os"], ids=ascii)
def test_network_names_that_are_not_ascii_identifiers_are_refused(tmp_path: Path, name: str) -> None:
    path = write_raw(tmp_path, f"{name}.arch", SPEC.replace("network safe\n", ""))
    with pytest.raises(archlang.ArchError) as info:
        generated(path)
    assert [d.code for d in info.value.errors] == ["E401"]


@pytest.mark.parametrize("text", HOSTILE, ids=ascii)
def test_comments_do_not_change_the_program(text: str) -> None:
    # Line breaks would end the comment; a NUL or a lone surrogate is not text (E107).
    comment = "# " + re.sub("[\n\r\x00\ud800-\udfff]", " ", text)
    lines = SPEC.splitlines()
    commented = "\n".join([comment, *(f"{line}  {comment}" for line in lines)]) + "\n"
    source = generated(commented)
    audit(source, "safe")
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(generated(SPEC)))


@pytest.mark.parametrize("name", [n for n in file_names() if '"' not in n and "\n" not in n and "\r" not in n],
                         ids=ascii)
def test_imported_file_names_do_not_change_the_program(tmp_path: Path, name: str) -> None:
    """A block's comments name the file it was written in."""
    body = 'import "FILE"\n' + SPEC.replace("fc-10", "pair(4), fc-10")
    write_raw(tmp_path, "plain.arch", BLOCKS)
    plain = generated(write_raw(tmp_path, "main1.arch", body.replace("FILE", "plain.arch")))
    write_raw(tmp_path, name, BLOCKS)
    source = generated(write_raw(tmp_path, "main2.arch", body.replace("FILE", name)))
    audit(source, "safe")
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(plain))


@pytest.mark.parametrize("value", HOSTILE, ids=ascii)
def test_parameter_values_do_not_change_the_program(value: str) -> None:
    """A parameter set with -D to a string reaches the header comment only."""
    spec = SPEC.replace("network safe", "network safe(mode)")
    source = generated(spec, mode=value)
    audit(source, "safe")
    assert ast.dump(ast.parse(source)) == ast.dump(ast.parse(generated(spec, mode="plain")))


#: Labels are identifiers by the grammar; these mean something to Python, torch or the generated code.
LABELS = ["class", "lambda", "None", "True", "eval", "exec", "open", "print", "os", "torch", "nn",
          "F", "math", "self", "super", "x", "out", "identity", "branch1", "forward", "training", "parameters",
          "Safe", "_as_2d", "LocallyConnected"]
#: Labels that name nn.Module's own state or the generated class's attributes: codegen.attribute
#: moves them aside (`layer___class__`, `input_shape_`).
CODEGEN_LABELS = ["__class__", "__init__", "__dict__", "__call__", "_modules", "_parameters", "_apply", "input_shape",
                  "input_dtype"]


def _labelled(label: str) -> str:
    return f"network safe\ninput 3@16x16\nact relu\n{label}: conv3-4, {{x + conv3-4}}, fc-10\n"


@pytest.mark.parametrize("label", LABELS + CODEGEN_LABELS)
def test_labels_are_only_names(label: str) -> None:
    """The labelled conv is still the conv: same parameters, same output, and the program passes the audit."""
    torch = pytest.importorskip("torch")
    spec = _labelled(label)
    network = archlang.check(spec)
    audit(codegen.python(network), "safe")
    model = archlang.build(spec).eval()
    assert sum(p.numel() for p in model.parameters()) == network.params
    with torch.no_grad():
        assert tuple(model(torch.zeros(2, *network.input)).shape[1:]) == network.output


@pytest.mark.parametrize("name", ["f", "torch", "nn", "x", "self", "super", "module", "min_pool", "locally_connected",
                                  "as_2d", "safe", "print", "exec", "eval"])
def test_block_and_network_names_are_only_names(name: str) -> None:
    torch = pytest.importorskip("torch")
    for spec in (f"network n\ninput 3@16x16\ndef {name}(c) = local3-c, minpool2\n[{name}(4)]*2, fc-10\n",
                 f"network {name}\ninput 3@16x16\n[local3-4, minpool2]*2, fc-10\n"):
        network = archlang.check(spec)
        audit(codegen.python(network), network.name)
        model = archlang.build(spec).eval()
        with torch.no_grad():
            assert tuple(model(torch.zeros(1, *network.input)).shape[1:]) == network.output
