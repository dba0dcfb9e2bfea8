"""No input gives a Python traceback: empty, binary, truncated, unreadable.

Through the API every outcome is a checked network or an `ArchError`; through
`archc check` it is exit 0 or 1 with `FILE:LINE:COL: error[CODE]` on stderr.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, HEAD, archc_process, invoke

import archlang

VGG16 = ARCHITECTURES_DIR / "vgg16.arch"
LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d{3})\]: ", re.MULTILINE)


def outcome(spec: str | Path) -> str:
    """'ok', or the sorted error codes; anything else raised fails the test."""
    try:
        archlang.check(spec)
    except archlang.ArchError as error:
        assert error.errors, "ArchError without an error"
        assert all(d.message for d in error.diagnostics)
        str(error)  # formatting the excerpt must not fail either
        return " ".join(sorted({d.code for d in error.errors}))
    return "ok"


def first_error(stderr: str) -> tuple[str, int, int, str]:
    match = LOCATED.search(stderr)
    assert match, stderr
    return match["file"], int(match["line"]), int(match["col"]), match["code"]


# ---- empty and blank files -------------------------------------------------------------

BLANK = ["", "\n", "\n\n\n", "   \t  ", "# a comment only", "# one\n# two\n", "\r\n\r\n"]


@pytest.mark.parametrize("text", BLANK, ids=repr)
def test_blank_file_lacks_an_input(tmp_path: Path, text: str) -> None:
    path = tmp_path / "blank.arch"
    path.write_text(text, newline="")
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(path)
    assert [(d.code, d.line, d.col) for d in info.value.diagnostics] == [("E301", 1, 1)]


def test_empty_file_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.arch"
    path.write_bytes(b"")
    result = archc_process("check", str(path))
    assert result.returncode == 1
    assert first_error(result.stderr) == (str(path), 1, 1, "E301")
    assert "Traceback" not in result.stderr + result.stdout


# ---- binary files ------------------------------------------------------------------------

BINARY = {
    "all-bytes": bytes(range(256)) * 4,
    "random": random.Random(20).randbytes(2048),
    "nul-after-text": b"network t\ninput 3@32x32\nconv3-64\x00\x00",
    "latin-1": b"network t\ninput 3@32x32\n# caf\xe9\nconv3-64",
    "cut-utf8": "network t\ninput 3@32x32\nconv3-64 →".encode()[:-1],
    "utf-16": "network t\ninput 3@32x32\nconv3-64".encode("utf-16"),
    "elf": b"\x7fELF\x02\x01\x01" + bytes(64),
}
BINARY_AT = {"nul-after-text": (3, 9), "latin-1": (3, 6), "cut-utf8": (3, 10), "all-bytes": (1, 1)}


@pytest.mark.parametrize("name", BINARY)
def test_binary_file_is_not_text(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.arch"
    path.write_bytes(BINARY[name])
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(path)
    [error] = info.value.diagnostics
    assert error.code == "E107"
    if name in BINARY_AT:
        assert (error.line, error.col) == BINARY_AT[name]
    assert "Traceback" not in error.format()


def test_binary_file_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "noise.arch"
    path.write_bytes(random.Random(7).randbytes(4096) + b"\x00")
    result = archc_process("check", str(path))
    assert result.returncode == 1
    assert first_error(result.stderr)[3] == "E107"
    assert "Traceback" not in result.stderr


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.arch"
    path.write_bytes(b"\xef\xbb\xbfnetwork t\ninput 3@32x32\ncnov3-8")
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(path)
    assert [(d.code, d.line, d.col) for d in info.value.diagnostics] == [("E201", 3, 1)]


# ---- truncated files: every prefix of a real spec ------------------------------------------


def test_every_prefix_of_vgg16_checks_or_fails_cleanly() -> None:
    text = VGG16.read_text()
    outcomes = {}
    for end in range(len(text) + 1):
        outcomes[end] = outcome(text[:end])
    assert outcomes[len(text)] == "ok"
    assert outcomes[0] == "E301"
    # Cut inside the first bracket group: the bracket is reported, not a parse crash.
    inside = text.index("[conv3-64") + 3
    assert outcomes[inside] == "E103"


def test_truncated_files_on_the_command_line(tmp_path: Path) -> None:
    text = VGG16.read_text()
    cuts = range(0, len(text) + 1, 7)
    paths = []
    for end in cuts:
        path = tmp_path / f"cut{end:04}.arch"
        path.write_text(text[:end])
        paths.append(path)
    for path in paths:
        result = invoke(["check", str(path)])
        assert result.exit_code in (0, 1), (path.read_text(), result.output)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
            path.read_text(), result.exception)
        if result.exit_code == 1:
            assert first_error(result.stderr)[0] == str(path), result.stderr
        else:
            assert result.stdout.startswith("network vgg16")


def test_truncated_file_in_a_real_process(tmp_path: Path) -> None:
    text = VGG16.read_text()
    path = tmp_path / "cut.arch"
    path.write_text(text[: text.index("[conv3-256]") + 6])
    result = archc_process("check", str(path))
    assert result.returncode == 1
    assert first_error(result.stderr)[3] == "E103"
    assert "Traceback" not in result.stderr


# ---- deep nesting --------------------------------------------------------------------------

DEEP = {
    "brackets": (HEAD + "[" * 5000 + "conv3-8" + "]" * 5000, ("E109", 3, 101)),
    "parentheses": (HEAD + "fc-" + "(" * 500 + "1" + ")" * 500, ("E109", 3, 104)),
    # Walks get 20,000 frames (nodes.WALK_FRAMES): 5,000 minus signs now check; past the
    # frames, within the 64 KiB a file may have, the chain is still E109, never a crash.
    "minus-signs": (HEAD + "fc-(" + "-" * 30000 + "1)", ("E109", 0, 0)),
    "long-sum": (HEAD + "fc-(" + "+".join(["1"] * 30000) + ")", ("E109", 0, 0)),
}


@pytest.mark.parametrize("name", DEEP)
def test_deep_nesting_is_refused(name: str) -> None:
    text, expected = DEEP[name]
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(text)
    assert [(d.code, d.line, d.col) for d in info.value.diagnostics] == [expected]


def test_moderate_nesting_checks() -> None:
    assert archlang.check(HEAD + "[" * 99 + "conv3-8" + "]" * 99).output == (8, 32, 32)
    assert archlang.check(HEAD + "fc-(" + "+".join(["1"] * 200) + ")").output == (200,)
    assert archlang.check(HEAD + "fc-(" + "+".join(["1"] * 5000) + ")").output == (5000,)
    assert archlang.check(HEAD + "fc-(" + "-" * 5000 + "1)").output == (1,)


# ---- paths that are not readable files ------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.arch"
    for spec in (path, str(path)):
        with pytest.raises(archlang.ArchError) as info:
            archlang.check(spec)
        [error] = info.value.diagnostics
        assert (error.code, error.line, error.col) == ("E100", 0, 0)
        assert "No such file" in error.message
        assert error.format().startswith(f"{path}: error[E100]: ")


def test_missing_file_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "missing.arch"
    result = invoke(["check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}: error[E100]: cannot read {path}")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "specs.arch"
    folder.mkdir()
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(folder)
    assert [d.code for d in info.value.diagnostics] == ["E100"]
    # archc treats a folder where a file belongs as a usage error.
    result = archc_process("check", str(folder))
    assert result.returncode == 2
    assert "is a directory" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.arch"
    path.write_text(HEAD + "conv3-8")
    path.chmod(0)
    try:
        with pytest.raises(archlang.ArchError) as info:
            archlang.check(path)
        assert [d.code for d in info.value.diagnostics] == ["E100"]
        result = invoke(["check", str(path)])
        assert result.exit_code == 1 and "error[E100]" in result.stderr
    finally:
        path.chmod(0o644)


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.arch"
    path.write_text(HEAD + "# padding\n" * 500_000)
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(path)
    [error] = info.value.diagnostics
    assert error.code == "E100" and "more than the limit" in error.message


# ---- names the system cannot spell, and loops of links --------------------------------------


def test_lone_surrogates_in_text_are_not_text() -> None:
    """A str handed to the API may hold a lone surrogate, which no file's text
    can (undecodable bytes read as U+FFFD); an import path holding one made
    pathlib raise UnicodeEncodeError."""
    with pytest.raises(archlang.ArchError) as info:
        archlang.check('input 3\nimport "\ud800blocks.arch"\nfc-2')
    [error] = info.value.diagnostics
    assert (error.code, error.line, error.col) == ("E107", 2, 9)


def test_a_path_no_file_can_have_is_a_read_error() -> None:
    with pytest.raises(archlang.ArchError) as info:
        archlang.check("\ud800.arch")
    [error] = info.value.diagnostics
    assert error.code == "E100"
    assert error.message == "cannot read \ufffd.arch: no file can have this name (it holds a NUL or a lone surrogate)"


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes are a Linux matter")
def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """The byte 0xFE in a file name reaches Python as the surrogate U+DCFE:
    every output shows it as U+FFFD; `render` to .dot raised UnicodeEncodeError."""
    folder = os.fsencode(tmp_path)
    with open(folder + b"/\xfe.arch", "w", encoding="utf-8") as handle:
        handle.write("input 3@32x32\nfc-2\n")  # no `network` line: the network is named after the file
    spec, dot = os.fsdecode(folder + b"/\xfe.arch"), os.fsdecode(folder + b"/\xfe.dot")
    listed = archc_process("check", spec)
    assert listed.returncode == 0 and "network \ufffd (" in listed.stdout
    assert '"network": "\\ufffd"' in archc_process("check", "--json", spec).stdout
    drawn = archc_process("render", spec, "-o", dot)
    assert drawn.returncode == 0, drawn.stderr
    assert Path(dot).read_text(encoding="utf-8").startswith("digraph _ {")  # the graph's name is an identifier
    missing = archc_process("check", "--json", os.fsdecode(folder + b"/\xff.arch"))
    assert missing.returncode == 1 and "\\udcff" not in missing.stdout and ".arch: No such file" in missing.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_an_import_through_a_loop_of_links(tmp_path: Path) -> None:
    """Python 3.11's Path.resolve raises RuntimeError on a loop of links."""
    (tmp_path / "a.arch").symlink_to(tmp_path / "b.arch")
    (tmp_path / "b.arch").symlink_to(tmp_path / "a.arch")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    for target in ("a.arch", "a/blocks.arch"):
        spec = tmp_path / "main.arch"
        spec.write_text(f'import "{target}"\n' + HEAD + "fc-2\n")
        with pytest.raises(archlang.ArchError) as info:
            archlang.check(spec)
        [error] = info.value.diagnostics
        assert (error.code, error.line, error.col) == ("E215", 1, 1)
        assert error.message == f'cannot import "{target}": a loop of symbolic links'


def test_check_leaves_the_cycle_collector_as_it_found_it() -> None:
    """check pauses Python's cycle collector (long specs are many young objects)
    and turns it back on, whether the spec checks or not, and only if it was on."""
    import gc

    for spec in (HEAD + "fc-2", HEAD + "conx3-8"):
        outcome(spec)
        assert gc.isenabled()
        gc.disable()
        try:
            outcome(spec)
            assert not gc.isenabled()
        finally:
            gc.enable()
