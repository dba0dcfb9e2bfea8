"""`archc check`: exit codes, the table, --json, -D, --max-layers, help.

Exit status: 0 ok (warnings allowed), 1 errors in a spec, 2 usage. Most runs
are in-process (conftest.invoke: stdout and stderr kept apart); one runs the
installed script in a real process.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, archc_command, archc_in_process, archc_process

from archlang.cli import COMMANDS, command

VGG16 = str(ARCHITECTURES_DIR / "vgg16.arch")

OK = "network small\ninput 3@32x32\nact relu\n[conv3-16]*2, pool\nfc-10\nsoftmax\n"
WARNS = "network alex\ninput 3@224x224\nconv11-96/4 p=0\n"
BROKEN = "network broken\ninput 3@32x32\ncnov3-16\nconv3-16 gorups=2\n"
PARAMETRIC = "network wide(k = 8, bn = false)\ninput 3@32x32\nconv3-k bn=bn\n"


# ---- exit codes ----------------------------------------------------------------------------


def test_ok_prints_the_table_and_exits_0() -> None:
    result = archc_in_process("check", VGG16)
    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"network vgg16 ({VGG16})"
    assert lines[1].split() == ["name", "layer", "output", "params", "MACs", "memory", "rf/jump", "line"]
    assert any(line.startswith("conv1_1 ") and "64@224x224" in line and "1,792" in line for line in lines)
    assert "params      138,357,544" in result.stdout
    assert "15,470,264,320" in result.stdout


def test_warnings_still_exit_0(spec) -> None:
    path = spec(WARNS)
    result = archc_in_process("check", path)
    assert result.exit_code == 0
    assert result.stderr.startswith(f"{path}:3:1: warning[W301]: conv11-96/4 does not tile")
    assert " 3 | conv11-96/4 p=0" in result.stderr
    assert "error" not in result.stderr
    assert result.stdout.startswith("network alex")


def test_errors_exit_1_with_located_diagnostics(spec) -> None:
    path = spec(BROKEN)
    result = archc_in_process("check", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}:3:1: error[E201]: unknown layer 'cnov3'",
        " 3 | cnov3-16",
        "   | ^^^^^",
        "  = hint: did you mean 'conv3'?",
        f"{path}:4:10: error[E202]: conv has no option 'gorups'",
        " 4 | conv3-16 gorups=2",
        "   |          ^^^^^^^^",
        "  = hint: did you mean 'groups'?",
        "2 errors",
    ]


USAGE = [
    ["check"],
    ["check", "-D", "k", VGG16],
    ["check", "-D", "=3", VGG16],
    ["check", "-D", "1k=3", VGG16],
    ["check", "-D", "k=", VGG16],
    ["check", "--bogus", VGG16],
    ["check", "--max-layers", "0", VGG16],
    ["check", "--max-layers", "many", VGG16],
    ["frobnicate", VGG16],
]


@pytest.mark.parametrize("args", USAGE, ids=" ".join)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = archc_in_process(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage: archc" in result.stderr and "Error:" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["check"], "Error: the following arguments are required: FILES"),
    (["check", "--max-layers", "0", VGG16], "Error: argument --max-layers: 0 is not in the range 1<=x<="),
    (["check", "--max-layers", "many", VGG16], "Error: argument --max-layers: 'many' is not a valid integer"),
    (["check", "--format", "pdf", VGG16], "Error: argument --format: invalid choice: 'pdf'"),
    (["check", "--jso", VGG16], "Error: unrecognized arguments: --jso"),  # no abbreviations: --j could grow
    (["chek", VGG16], "Error: No such command 'chek'. Did you mean 'check'?"),
    (["render", VGG16], "Error: the following arguments are required: -o/--output"),
    (["render", VGG16, "-o", "x.txt"], "Error: Invalid value for '-o': 'x.txt' must end in .svg, .png"),
    (["render", VGG16, "-o", "x.svg", "--dpi", "0"], "Error: argument --dpi: 0 is not in the range 1<=x<=2400"),
    (["build", VGG16, "-o", "x.py", "--max-memory", "lots"], "Error: argument --max-memory: 'lots' is not a size such as 16GiB or 512MiB"),
    (["table", VGG16, "--names", "a,b"], "Error: Invalid value for '--names': 2 names for 1 files"),
])
def test_usage_errors_say_what_is_wrong(args: list[str], message: str) -> None:
    result = archc_in_process(*args)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Usage: archc {args[0] if args[0] != 'chek' else '[OPTIONS] COMMAND'}")
    assert lines[1].startswith("Try 'archc") and lines[1].endswith(" -h' for help.")
    assert lines[3].startswith(message), lines


def test_options_may_stand_between_the_files() -> None:
    """As click read them: `archc check a.arch --json b.arch` checks both, as JSON."""
    LENET = str(ARCHITECTURES_DIR / "lenet5.arch")
    result = archc_in_process("check", VGG16, "--json", LENET)
    assert result.exit_code == 0
    assert [d["network"] for d in json.loads(result.stdout)] == ["vgg16", "lenet5"]
    assert archc_in_process("check", VGG16, "-q", LENET).stdout == ""
    names = archc_in_process("zoo", "resnet18", "--family", "resnet", "resnet34").stdout.splitlines()
    assert [line.split()[0] for line in names[1:]] == ["resnet18", "resnet34"]


def test_after_a_double_dash_every_word_is_a_file(tmp_path: Path) -> None:
    result = archc_in_process("check", VGG16, "-q", "--", "-q")
    assert result.exit_code == 1 and result.stderr.startswith("-q: error[E100]: cannot read -q")
    assert archc_in_process("--", "check", VGG16, "-q").exit_code == 0  # `archc -- check` too


def test_an_option_takes_the_next_word_as_its_value_even_with_a_dash() -> None:
    result = archc_in_process("table", VGG16, "--names", "-a")
    assert result.exit_code == 0 and "| -a |" in " ".join(result.stdout.split()).replace("  ", " ")


@pytest.mark.parametrize("args", [["check", "--batch", "0", "-h"], ["check", "--format", "MD", "--help"],
                                  ["render", VGG16, "-h"], ["check", "--bogus", "-h"]])
def test_help_is_shown_wherever_it_is_asked_for(args: list[str]) -> None:
    """Before any mistake of the same command line is reported, as click did."""
    result = archc_in_process(*args)
    assert result.exit_code == 0 and result.stdout.startswith(f"Usage: archc {args[0]}")


def test_an_option_before_the_command_is_named_as_an_option() -> None:
    result = archc_in_process("--json", "check", VGG16)
    assert result.exit_code == 2 and "Error: No such option: --json" in result.stderr


def test_a_size_of_four_hundred_digits_is_refused_not_a_traceback() -> None:
    result = archc_in_process("build", VGG16, "-o", "-", "--max-memory", "9" * 400)
    assert result.exit_code == 2 and "is more than the most it may be" in result.stderr


def test_the_help_of_a_command_that_cannot_be_written_is_an_error() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*archc_command(), "check", "-h"], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=60, check=False)
    assert done.returncode == 2 and "cannot write the output" in done.stderr


def test_the_help_shows_defaults_ranges_and_what_is_required() -> None:
    text = " ".join(archc_in_process("render", "--help").stdout.split())
    assert "[default: 50000; 1<=x<=" in text  # --max-layers
    assert "[1<=x<=2400]" in text  # --dpi
    assert "-o, --output OUT" in text and "[required]" in text


def test_a_folder_where_a_file_belongs_is_a_usage_error(tmp_path: Path) -> None:
    result = archc_in_process("render", VGG16, "-o", str(tmp_path))
    assert result.exit_code == 2 and f"'{tmp_path}' is a directory, not a file" in result.stderr


def test_choices_that_ignore_case_give_the_declared_spelling(tmp_path: Path) -> None:
    out = tmp_path / "v.dot"
    assert archc_in_process("render", VGG16, "-o", str(out), "--rankdir", "lr").exit_code == 0
    assert "rankdir=LR" in out.read_text()


def test_bad_define_names_the_expected_form() -> None:
    result = archc_in_process("check", "-D", "k", VGG16)
    assert "'k' is not NAME=VALUE (e.g. -D k=256)" in result.stderr


# ---- -D parameters ---------------------------------------------------------------------------


def test_define_overrides_a_parameter(spec) -> None:
    path = spec(PARAMETRIC)
    data = json.loads(archc_in_process("check", path, "--json", "-D", "k=32", "-D", "bn=true").stdout)
    assert data["output"] == [32, 32, 32]
    assert data["params"] == 3 * 3 * 3 * 32 + 32 + 2 * 32
    assert data["layers"][0]["op"] == "conv3-32"


def test_define_of_an_unknown_parameter_exits_2(spec) -> None:
    path = spec(PARAMETRIC)
    result = archc_in_process("check", path, "-D", "kk=3")
    assert result.exit_code == 2  # a usage error (issue 14), with the checker's E205 and its hint
    assert result.stderr.startswith(f"{path}:1:1: error[E205]: -D kk: network 'wide' has no parameter 'kk'")
    assert "did you mean 'k'?" in result.stderr


@pytest.mark.parametrize("define, col", [("k=true", 14), ("k=abc", 14), ("bn=3", 21)])
def test_define_of_the_wrong_type_exits_1(spec, define: str, col: int) -> None:
    path = spec(PARAMETRIC)
    result = archc_in_process("check", path, "-D", define)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1:{col}: error[E206]: -D {define}: ")


# ---- --max-layers ------------------------------------------------------------------------------


def test_repeat_bomb_exits_1(spec) -> None:
    path = spec("network bomb\ninput 3@32x32\n[conv3-64]*1000000000\n")
    result = archc_in_process("check", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:3:1: error[E307]: ")


def test_max_layers_option(spec) -> None:
    path = spec("network deep\ninput 3@32x32\n[conv3-8]*50\n")
    assert archc_in_process("check", path, "--max-layers", "49").exit_code == 1
    assert archc_in_process("check", path, "--max-layers", "50").exit_code == 0


# ---- --json ------------------------------------------------------------------------------------

LAYER_KEYS = {"name", "op", "line", "col", "out", "params", "macs"}
DIAGNOSTIC_KEYS = {"severity", "code", "message", "file", "line", "col", "end_line", "end_col", "hint"}


def test_json_of_vgg16() -> None:
    result = archc_in_process("check", VGG16, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"network", "input", "output", "params", "macs", "layers", "diagnostics"} <= set(data)
    assert data["network"] == "vgg16"
    assert data["input"] == [3, 224, 224]
    assert data["output"] == [1000]
    assert data["params"] == 138_357_544
    assert data["macs"] == 15_470_264_320
    assert data["diagnostics"] == []
    for layer in data["layers"]:
        assert LAYER_KEYS <= set(layer)
        assert isinstance(layer["line"], int) and isinstance(layer["col"], int)
    first = data["layers"][0]
    assert (first["name"], first["op"], first["out"], first["params"]) == ("conv1_1", "conv3-64", [64, 224, 224], 1792)
    assert sum(layer["params"] for layer in data["layers"]) == data["params"]
    assert sum(layer["macs"] for layer in data["layers"]) == data["macs"]


def test_json_layer_positions(spec) -> None:
    data = json.loads(archc_in_process("check", spec(OK), "--json").stdout)
    assert [(layer["op"], layer["line"], layer["col"]) for layer in data["layers"]] == [
        ("conv3-16", 4, 2),
        ("conv3-16", 4, 2),
        ("maxpool2", 4, 15),
        ("flatten", 5, 1),
        ("fc-10", 5, 1),
        ("softmax", 6, 1),
    ]


def test_json_with_a_warning(spec) -> None:
    result = archc_in_process("check", spec(WARNS), "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    [warning] = json.loads(result.stdout)["diagnostics"]
    assert set(warning) == DIAGNOSTIC_KEYS
    assert (warning["severity"], warning["code"], warning["line"], warning["col"]) == ("warning", "W301", 3, 1)


def test_json_with_errors(spec) -> None:
    result = archc_in_process("check", spec(BROKEN), "--json")
    assert result.exit_code == 1
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["params"] is None and data["layers"] == []
    assert [(d["severity"], d["code"], d["line"], d["col"]) for d in data["diagnostics"]] == [
        ("error", "E201", 3, 1),
        ("error", "E202", 4, 10),
    ]
    assert all(set(d) == DIAGNOSTIC_KEYS for d in data["diagnostics"])


def test_json_has_one_schema_for_success_and_failure(spec) -> None:
    """The same keys either way; a failed file still names its network (the
    header parsed), its input, and each diagnostic's file, range and hint."""
    good = json.loads(archc_in_process("check", str(ARCHITECTURES_DIR / "lenet5.arch"), "--json").stdout)
    result = archc_in_process("check", spec("network broken\ninput 3@8x8\nconv3-4 gorups=2\n"), "--json")
    bad = json.loads(result.stdout)
    assert result.exit_code == 1
    assert set(good) == set(bad)
    assert (good["ok"], bad["ok"]) == (True, False)
    assert bad["network"] == "broken" and bad["input"] == [3, 8, 8]
    assert bad["params"] is None and bad["flops"] is None and bad["side_outputs"] == []
    (diagnostic,) = bad["diagnostics"]
    assert diagnostic["file"].endswith(".arch")
    assert (diagnostic["line"], diagnostic["col"], diagnostic["end_line"], diagnostic["end_col"]) == (3, 9, 3, 17)
    assert diagnostic["hint"] == "did you mean 'groups'?"


# ---- several files ------------------------------------------------------------------------------


def test_several_files(spec) -> None:
    good, bad = spec(OK, "good.arch"), spec(BROKEN, "bad.arch")
    result = archc_in_process("check", good, bad)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"network small ({good})")
    assert result.stderr.startswith(f"{bad}:3:1: error[E201]")
    assert archc_in_process("check", good, spec(WARNS, "alex.arch")).exit_code == 0


def test_several_files_as_json(spec) -> None:
    files = [spec(OK, "good.arch"), spec(BROKEN, "bad.arch"), spec(WARNS, "alex.arch")]
    result = archc_in_process("check", "--json", *files)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [d["network"] for d in data] == ["small", "broken", "alex"]  # a failed file still names its network
    assert [d["ok"] for d in data] == [True, False, True]
    assert [len(d["diagnostics"]) for d in data] == [0, 2, 1]


# ---- help and version ----------------------------------------------------------------------------


def test_check_help() -> None:
    result = archc_in_process("check", "--help")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("Usage: archc check [OPTIONS] FILES...")
    for needle in ("--json", "-D, --define NAME=VALUE", "--max-layers", "FILE:LINE:COL", "0 ok", "2 usage"):
        assert needle in text, needle


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_declared_option_is_in_its_help(name: str) -> None:
    """The help, the parser and the completion read one declaration (cli.args.Command)."""
    declared = command(name)
    text = archc_in_process(name, "--help").stdout
    assert text.startswith(f"Usage: archc {name}")
    for option in declared.every_option():
        assert ", ".join(option.flags) in text, option.flags
        assert not option.show_default or f"[default: {option.default}" in " ".join(text.split())


def test_group_help_and_version() -> None:
    text = archc_in_process("--help").stdout
    for name in COMMANDS:
        assert f"  {name.ljust(6)}  {command(name).summary}" in text
    alone = archc_in_process()  # a usage mistake that teaches: the same help, on stderr
    assert (alone.exit_code, alone.stdout, alone.stderr) == (2, "", text)
    result = archc_in_process("--version")
    assert result.exit_code == 0 and result.stdout.startswith("archc, version ")


# ---- a real process ------------------------------------------------------------------------------


def test_real_process_exit_codes(spec) -> None:
    ok = archc_process("check", "architectures/vgg16.arch", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["params"] == 138_357_544
    bad = archc_process("check", spec(BROKEN))
    assert bad.returncode == 1 and "error[E201]" in bad.stderr and "Traceback" not in bad.stderr
    usage = archc_process("check", "-D", "k", "architectures/vgg16.arch")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


# ---- writing outputs -------------------------------------------------------------------------

WRITERS = [("build", "out.py", "# Generated by archc"), ("render", "out.dot", "digraph small {")]


@pytest.mark.parametrize(("command", "name", "start"), WRITERS)
def test_an_output_in_a_missing_folder_is_a_clean_error(spec, tmp_path: Path, command: str, name: str,
                                                        start: str) -> None:
    out = tmp_path / "no" / "such" / name
    result = archc_in_process(command, spec(OK), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"archc: error: cannot write {out}: No such file or directory\n"


@pytest.mark.parametrize(("command", "name", "start"), WRITERS)
def test_an_output_through_a_link_keeps_the_link(spec, tmp_path: Path, command: str, name: str,
                                                 start: str) -> None:
    """The file the link names is replaced, keeping its mode; the link stays a link."""
    real, link = tmp_path / f"real.{name}", tmp_path / name
    real.write_text("old")
    real.chmod(0o640)
    link.symlink_to(real)
    assert archc_in_process(command, spec(OK), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith(start)
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([real.name, link.name, "spec.arch"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize(("command", "name", "start"), WRITERS)
def test_an_output_that_is_not_a_file_is_written_into(spec, tmp_path: Path, command: str, name: str,
                                                      start: str) -> None:
    """A FIFO (like /dev/null or a terminal) is written into: renaming a temporary
    file over it, as for a regular file, replaced /dev/null itself when run as root."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = archc_process(command, spec(OK), "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].decode().startswith(start)
