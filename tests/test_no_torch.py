"""`archc check` and `archc lsp` never import torch (nor graphviz): only `build` needs it.

Each run is a fresh interpreter, so nothing imported by other tests counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PROBE = """
import sys
from archlang.cli import main
sys.argv = ["archc", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "graphviz", "numpy"))
print("EXIT", code, "HEAVY", ",".join(heavy) or "-", file=sys.stderr)
"""


def probe(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], check=False, capture_output=True, text=True,
                            timeout=60, cwd=ROOT, input=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.splitlines()[-1]


def test_check_does_not_import_torch() -> None:
    assert probe("check", "architectures/vgg16.arch") == "EXIT 0 HEAVY -"


def test_check_json_with_errors_does_not_import_torch(tmp_path: Path) -> None:
    path = tmp_path / "bad.arch"
    path.write_text("network bad\ninput 3@32x32\ncnov3-8\n")
    assert probe("check", "--json", "architectures/vgg16.arch", str(path)) == "EXIT 1 HEAVY -"


def test_import_time_lists_no_torch() -> None:
    """The same seen from `python -X importtime`: every module the process imported."""
    code = "import sys; from archlang.cli import main; sys.argv = ['archc', 'check', 'architectures/vgg16.arch']; main()"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=False, capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "archlang.checker.walk" in imported
    assert not {name for name in imported if name.split(".")[0] == "torch"}


def test_check_imports_nothing_that_only_costs_start_up() -> None:
    """Issue 11's start-up target: `dataclasses` (replaced by archlang.records,
    which builds a class in a tenth of the time), `heapq` (only a misspelt
    block's hint needs it), click (replaced by argparse: its import alone cost
    as much as archlang's), and the modules that argparse imports only to
    print help (textwrap, shutil) stay out of a plain check."""
    code = ("import sys\nfrom archlang.cli import main\nsys.argv = ['archc', 'check', 'architectures/vgg16.arch']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('dataclasses', 'heapq', 'lark', 'graphviz', 'click', 'textwrap', 'shutil', 'inspect') "
            "if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.stderr.splitlines()[-1] == "[]", result.stderr


def _message(method: str, params: object, number: int | None = None) -> str:
    """One LSP message as framed on stdio (the JSON is ASCII, so characters count bytes)."""
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params,
                       **({"id": number} if number is not None else {})})
    return f"Content-Length: {len(body)}\r\n\r\n{body}"


def test_a_language_server_session_does_not_import_torch() -> None:
    """A whole `archc lsp` session on stdin: open VGG-16 (a check), hover, shut down."""
    path = ROOT / "architectures" / "vgg16.arch"
    document = {"uri": path.as_uri(), "languageId": "archlang", "version": 1, "text": path.read_text("utf-8")}
    hover = {"textDocument": {"uri": path.as_uri()}, "position": {"line": 11, "character": 3}}
    session = "".join([_message("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, 1),
                       _message("initialized", {}), _message("textDocument/didOpen", {"textDocument": document}),
                       _message("textDocument/hover", hover, 2), _message("shutdown", None, 3),
                       _message("exit", None)])
    assert probe("lsp", stdin=session) == "EXIT 0 HEAVY -"
