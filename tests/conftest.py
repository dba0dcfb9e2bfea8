"""What the test modules share: the repository's paths, the spec header, and the helpers that run a spec.

One place for what the modules each defined for themselves (each its own
`ROOT = Path(__file__)...`, its own copy of `HEAD`, `codes` or `archc`), so
that a path or a helper is changed once. pytest imports this file before the
tests and puts tests/ on sys.path, so a module takes the plain names with
`from conftest import ROOT, codes, ...`; the `spec` fixture needs no import.
tests/test_style.py fails if a module derives ROOT from its own `__file__`
again, or defines at its top level a name that this file defines.

Where two modules ran archc differently, both ways are kept under their own
name: in-process (`invoke`, its `Result` whatever happened;
`archc_in_process`, the same after asserting that nothing but an exit was
raised; `archc_in_process_outputs`, exit code and the two streams) or in a
real process (`archc_process`, the installed script).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

import archlang
from archlang.cli import main

# ---- paths -------------------------------------------------------------------------------------

#: The repository: the folder that holds archlang/, architectures/ and tests/.
ROOT: Path = Path(__file__).resolve().parent.parent
#: The shipped architectures' folder.
ARCHITECTURES_DIR: Path = ROOT / "architectures"
#: Every shipped architecture, sorted: architectures/*.arch.
ARCHITECTURES: list[Path] = sorted(ARCHITECTURES_DIR.glob("*.arch"))
#: The standard library's folder (`import resnet`).
STDLIB: Path = ROOT / "archlang" / "stdlib"
#: Every spec in the repository, sorted: the shipped architectures and the standard library's files.
ALL_SPECS: list[Path] = sorted([*ARCHITECTURES, *STDLIB.glob("*.arch")])
#: The golden outputs' folder: check/ (reports), core/ (JSON, .py, .dot) and the VGG tables.
GOLDEN_DIR: Path = ROOT / "tests" / "golden"

#: A spec's first two lines: the layers of `HEAD + "..."` start on line 3.
HEAD = "network t\ninput 3@32x32\n"


# ---- specs that must fail ------------------------------------------------------------------------


def codes(spec: str | Path, **kwargs: object) -> list[tuple[str, int, int]]:
    """(code, line, col) of each error of a spec that must fail."""
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(spec, **kwargs)  # type: ignore[arg-type]
    return [(d.code, d.line, d.col) for d in info.value.errors]


def diagnostics(text: str, **params: object) -> list[archlang.Diagnostic]:
    """The diagnostics (errors and warnings) of a spec that must fail."""
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(text, **params)
    return info.value.diagnostics


def layer_rows(spec: str) -> list[tuple[str, tuple[int, ...], int, int]]:
    """(label, output shape, parameters, MACs) of each row of a spec that checks."""
    network = archlang.check(spec)
    return [(row.layer.kind.label(row.layer.opts), row.layer.out_shape, row.layer.params, row.layer.macs)
            for row in network.rows]


# ---- files -------------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    """Write `text` to folder/name as UTF-8 text and return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_raw(folder: Path, name: str, text: str) -> Path:
    """Write `text` to folder/name byte for byte (UTF-8, lone surrogates kept, no newline
    translation) and return the path: for hostile text that `write` would refuse."""
    path = folder / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


@pytest.fixture
def spec(tmp_path: Path) -> Callable[..., str]:
    """Write a spec to a file and return its path as a string."""

    def write_spec(text: str, name: str = "spec.arch") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write_spec


# ---- archc -------------------------------------------------------------------------------------


class Result:
    """What one in-process run of archc gave: its exit code, what it wrote to each
    stream (text, and standard output's bytes), both together, and what it raised
    if that was not an exit."""

    def __init__(self, exit_code: int, stdout: bytes, stderr: bytes, exception: BaseException | None) -> None:
        self.exit_code = exit_code
        self.stdout_bytes = stdout
        self.stdout = stdout.decode("utf-8", "replace")
        self.stderr = stderr.decode("utf-8", "replace")
        self.output = self.stdout + self.stderr
        self.exception = exception

    def __repr__(self) -> str:
        return f"<Result {self.exit_code} {self.output[-400:]!r}>"


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    """os.environ with `env` set (a None value unsets the name), restored after."""
    saved = {name: os.environ.get(name) for name in env}
    try:
        _set_environment(env)
        yield
    finally:
        _set_environment(saved)


def invoke(args: list[str], input: str | bytes | None = None, env: Mapping[str, str | None] | None = None) -> Result:
    """`archc ARGS` in this process, standard input `input`, the streams captured
    (not terminals); whatever it raised is kept in the Result, not raised."""
    data = input.encode("utf-8") if isinstance(input, str) else (input or b"")
    out, err = io.BytesIO(), io.BytesIO()
    streams = sys.stdin, sys.stdout, sys.stderr
    # held here: a wrapper that is collected closes its BytesIO, whose value is read below
    wrappers = (io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"),
                io.TextIOWrapper(out, encoding="utf-8", write_through=True),
                io.TextIOWrapper(err, encoding="utf-8", write_through=True))
    sys.stdin, sys.stdout, sys.stderr = wrappers
    code, raised = 0, None
    try:
        with _environment(env or {}):
            main(list(args))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except Exception as error:  # noqa: BLE001 (kept for the test to look at, as a traceback would show it)
        code, raised = 1, error
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = streams
    return Result(code, out.getvalue(), err.getvalue(), raised)


def _invoke(args: tuple[str, ...], stdin: str | bytes | None = None,
            env: Mapping[str, str | None] | None = None) -> Result:
    result = invoke(list(args), stdin, env)
    assert result.exception is None, result.exception
    return result


def archc_in_process(*args: str, stdin: str | bytes | None = None,
                     env: Mapping[str, str | None] | None = None) -> Result:
    """`archc ARGS` in this process (stdout and stderr kept apart): the Result,
    after asserting that nothing but an exit was raised and no traceback printed."""
    result = _invoke(args, stdin, env)
    assert "Traceback" not in result.output
    return result


def archc_in_process_outputs(*args: str) -> tuple[int, str, str]:
    """`archc ARGS` in this process: (exit code, stdout, stderr), after asserting
    that nothing but an exit was raised."""
    result = _invoke(args)
    return result.exit_code, result.stdout, result.stderr


def archc_command() -> list[str]:
    """The command that starts the installed `archc` (this interpreter's script, or the
    interpreter running archlang.cli where the script is not installed)."""
    script = Path(sys.executable).with_name("archc")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from archlang.cli import main; main()"]


def archc_process(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`archc ARGS` in a process of its own, as a user runs it (a minute at most, so that a
    hang fails the test instead of stalling it), in `cwd` (the repository by default)."""
    return subprocess.run([*archc_command(), *args], check=False, capture_output=True, text=True, timeout=60,
                          cwd=cwd)
