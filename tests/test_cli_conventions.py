"""Conventions of a command line (issue 14, point 5): colour on a terminal with
--color and NO_COLOR, shell completion, and --sweep for sizing variants."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, HEAD, Result, archc_command, invoke

from archlang import colour
from archlang.cli.draw import RENDER

BROKEN = HEAD + "conv 3-64\n"
ESC = "\x1b["


def archc(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
    return invoke(list(args), input=stdin, env=env)


# ---- colour ------------------------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("choice", "tty", "no_color", "coloured"), [
    ("auto", True, None, True),
    ("auto", False, None, False),
    ("auto", True, "1", False),
    ("auto", True, "", True),        # NO_COLOR set but empty does not count (no-color.org)
    ("always", False, "1", True),    # the flag says so: it wins over the environment
    ("never", True, None, False),
])
def test_when_to_colour(choice: str, tty: bool, no_color: str | None, coloured: bool) -> None:
    environ = {} if no_color is None else {"NO_COLOR": no_color}
    assert colour.wanted(choice, _Stream(tty), environ) is coloured


def test_color_always_colours_place_severity_code_caret_and_hint() -> None:
    result = archc("check", "-", "--color", "always", stdin=BROKEN)
    assert result.stderr.splitlines() == [
        "\x1b[1m<stdin>:3:1\x1b[0m: \x1b[1;31merror\x1b[0m\x1b[1m[E112]\x1b[0m: a space inside the layer 'conv 3-64'",
        " 3 | conv 3-64",
        "   | \x1b[1;31m^^^^^^^^^\x1b[0m",
        "  = \x1b[36mhint\x1b[0m: write conv3-64: no space inside a layer's notation",
        "1 error",
    ]


def test_warnings_are_yellow() -> None:
    result = archc("check", "-", "--color", "always", stdin="input 3@224x224\nconv11-96/4 p=0\n")
    assert result.stderr.startswith("\x1b[1m<stdin>:2:1\x1b[0m: \x1b[1;33mwarning\x1b[0m\x1b[1m[W301]\x1b[0m: ")


def test_color_never_and_a_pipe_print_plain_text() -> None:
    for args in (("--color", "never"), ()):
        result = archc("check", "-", *args, stdin=BROKEN, env={"NO_COLOR": ""})
        assert ESC not in result.stderr
        assert result.stderr.startswith("<stdin>:3:1: error[E112]: a space inside the layer 'conv 3-64'\n")


def test_render_build_and_table_take_color_too(tmp_path: Path) -> None:
    spec = tmp_path / "broken.arch"
    spec.write_text(BROKEN)
    for command in (("build", str(spec), "-o", "-"), ("render", str(spec), "-o", str(tmp_path / "x.dot")),
                    ("table", str(spec))):
        result = archc(*command, "--color", "always")
        assert result.exit_code == 1 and f"{ESC}1;31merror" in result.stderr, command


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_on_a_real_terminal_auto_colours_unless_no_color(tmp_path: Path, no_color: str | None,
                                                         coloured: bool) -> None:
    import pty

    spec = tmp_path / "broken.arch"
    spec.write_text(BROKEN)
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | ({"NO_COLOR": no_color} if no_color else {})
    done = subprocess.run([*archc_command(), "check", str(spec)], stderr=slave, stdout=subprocess.DEVNULL,
                          env=env, timeout=60, check=False)
    os.close(slave)
    printed = os.read(master, 65536).decode()
    os.close(master)
    assert done.returncode == 1 and "error" in printed
    assert (f"{ESC}1;31merror{ESC}0m" in printed) is coloured


# ---- shell completion --------------------------------------------------------------------------


def _complete(env: dict[str, str]) -> str:
    """What `archc` prints with the completion variables set: the installed
    script, or where it is not installed the interpreter running archlang.cli."""
    return subprocess.run(archc_command(), env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
                          check=True).stdout


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o default -F _archc_completion archc"),
    ("zsh", "compdef _archc_completion archc"),
    ("fish", "complete --command archc --arguments '(_archc_completion)'"),
])
def test_completion_script_is_produced(shell: str, marker: str) -> None:
    """What the README tells a user to put in their shell's start-up file."""
    assert marker in _complete({"_ARCHC_COMPLETE": f"{shell}_source"})


def _candidates(line: str) -> list[str]:
    """What archc offers for the last word of `line` (begun, or empty after a space)."""
    words = line.split(" ")
    return _complete({"_ARCHC_COMPLETE": "complete", "COMP_WORDS": line,
                      "COMP_CWORD": str(len(words) - 1)}).splitlines()


@pytest.mark.parametrize(("line", "offered"), [
    ("archc ch", ["check"]),
    ("archc ", ["build", "check", "fmt", "lsp", "render", "table", "zoo"]),
    ("archc --v", ["--version"]),
    ("archc check --sw", ["--sweep"]),
    ("archc check --max-", ["--max-layers", "--max-bytes", "--max-depth", "--max-import-depth"]),
    ("archc check --format s", ["sarif"]),
    ("archc check --format ", ["text", "md", "latex", "html", "github", "sarif"]),
    ("archc render vgg16.arch --rankdir ", ["TB", "LR"]),
    ("archc build --no", ["--no-logits"]),
    ("archc check ", []),                # a file: the shell completes its name
    ("archc check -D ", []),             # a value without choices
    ("archc check --json --color a", ["auto", "always"]),
    ("archc frobnicate --", []),
    ("archc render x.arch --rankdir l", ["LR"]),  # as the option takes it, in either case
])
def test_completion_offers_commands_options_and_choices(line: str, offered: list[str]) -> None:
    assert _candidates(line) == offered


@pytest.mark.parametrize(("words", "index"), [("archc", "5"), ("archc check x.arch --format ", "99"),
                                              ("archc check", "-1"), ("archc check", "two")])
def test_completion_past_the_words_offers_nothing(words: str, index: str) -> None:
    """A shell that asks for a word past the line (or sends no number) gets nothing, never a traceback."""
    done = subprocess.run(archc_command(), env={**os.environ, "_ARCHC_COMPLETE": "complete", "COMP_WORDS": words,
                                               "COMP_CWORD": index}, capture_output=True, text=True, timeout=60,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.parametrize("value", ["", "bogus_source", "bash"])
def test_any_other_value_of_the_completion_variable_runs_archc(value: str) -> None:
    """Only `complete` and SHELL_source ask for completion; a stray variable must not silence a check."""
    result = archc("check", "-", stdin=BROKEN, env={"_ARCHC_COMPLETE": value})
    assert result.exit_code == 1 and "error[E112]" in result.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_in_bash() -> None:
    """The script as bash runs it at a Tab: COMPREPLY holds the candidates, and
    nothing (bash's own file names, by -o default) for a file argument."""
    command = Path(archc_command()[0])
    if command.name != "archc":
        pytest.skip("archc is not installed as a script")
    script = _complete({"_ARCHC_COMPLETE": "bash_source"})
    program = script + textwrap.dedent("""
        COMP_WORDS=(archc check --format s); COMP_CWORD=3; _archc_completion; echo "[${COMPREPLY[*]}]"
        COMP_WORDS=(archc render x.arch --); COMP_CWORD=3; _archc_completion; echo "${#COMPREPLY[@]}"
        COMP_WORDS=(archc check x); COMP_CWORD=2; _archc_completion; echo "[${COMPREPLY[*]}]"
    """)
    path = f"{command.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", program], env={**os.environ, "PATH": path}, capture_output=True, text=True,
                          timeout=60, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "[sarif]"
    long_flags = [flag for option in RENDER.every_option() for flag in option.flags if flag.startswith("--")]
    assert int(lines[1]) == len(long_flags) + 1  # every long option of render, and --help
    assert lines[2] == "[]"


# ---- --sweep -----------------------------------------------------------------------------------

ALPHAGO = str(ARCHITECTURES_DIR / "alphago_policy.arch")


def test_sweep_prints_a_row_per_width_with_exact_figures() -> None:
    """AlphaGo's policy network at k = 128, 192 (the paper's), 256 filters: params
    = (5·5·48 + 1)k + 11(3·3·k + 1)k + k (the 1x1 without bias) + 361 (the position bias)."""
    result = archc("check", ALPHAGO, "--sweep", "k=128,192,256")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"network alphago_policy ({ALPHAGO}), --sweep k",
        "  k     params                    MACs  output",
        "---  ---------  ----------------------  ------",
        "128  1,777,641  641,043,584 (641.04 M)  361",
        "192  3,882,793  1,400,726,208 (1.40 G)  361",
        "256  6,798,953  2,453,182,720 (2.45 G)  361",
    ]
    for k, params in ((128, 1_777_641), (192, 3_882_793), (256, 6_798_953)):
        assert params == (25 * 48 + 1) * k + 11 * (9 * k + 1) * k + k + 361


def test_sweep_of_the_cifar_resnets_gives_resnet20_32_56() -> None:
    """He et al.'s CIFAR-10 ResNets (6n + 2 layers, option A): 0.27 M, 0.46 M, 0.85 M parameters."""
    result = archc("check", str(ARCHITECTURES_DIR / "resnet_cifar.arch"), "--sweep", "n=3,5,9")
    assert [line.split()[:2] for line in result.stdout.splitlines()[3:]] == [
        ["3", "269,722"], ["5", "464,154"], ["9", "853,018"]]


def test_sweep_of_a_zoo_family_across_widths() -> None:
    """MobileNetV2's width multiplier, a parameter of the zoo's family file (1.0 is torchvision's 3,504,872)."""
    result = archc("check", "mobilenet_v2", "--sweep", "width=0.5,0.75,1.0,1.4")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "network mobilenet_v2 (mobilenet_v2), --sweep width",
        "width     params                    MACs  output",
        "-----  ---------  ----------------------  ------",
        "  0.5  1,968,680    97,131,840 (97.13 M)  1000",
        " 0.75  2,636,424  209,069,792 (209.07 M)  1000",
        "  1.0  3,504,872  300,774,272 (300.77 M)  1000",
        "  1.4  6,108,776  582,195,824 (582.20 M)  1000",
    ]


def test_several_sweeps_give_every_combination_and_errors_say_where() -> None:
    spec = "network t(k = 8, s = 1)\ninput 3@8x8\nconv5-k/s p=0, conv3-k p=0\n"
    result = archc("check", "-", "--sweep", "k=8,16", "--sweep", "s=1,2", stdin=spec)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "network t (<stdin>), --sweep k, --sweep s",
        " k  s  params              MACs  output",
        "--  -  ------  ----------------  ------------------",
        " 8  1   1,192  11,904 (11.90 k)  8@2x2",
        " 8  2                            error E302 at 3:16",
        "16  1   3,536  28,416 (28.42 k)  16@2x2",
        "16  2                            error E302 at 3:16",
    ]
    # (5·5·3 + 1)·8 + (3·3·8 + 1)·8 = 1,192; MACs 75·8·4·4 + 72·8·2·2 = 11,904
    assert "at k=8, s=2:\n<stdin>:3:1: warning[W301]" in result.stderr
    assert "<stdin>:3:16: error[E302]: conv3 leaves an output of size 0 from input size 2" in result.stderr


def test_sweep_with_a_define_and_usage_errors() -> None:
    fixed = archc("check", ALPHAGO, "-D", "k=64", "--sweep", "k=128")  # the sweep's value wins over -D's
    assert fixed.stdout.splitlines()[3].startswith("128  1,777,641")
    for args, message in (
        (("-D", "k=64,128"), "-D takes one value; archc check --sweep k=64,128 checks each"),
        (("--sweep", "k"), "'k' is not NAME=VALUE,VALUE,..."),
        (("--sweep", "k=1,,2"), "is not NAME=VALUE,VALUE,..."),
        (("--sweep", "k=128", "--json"), "--sweep prints its own table"),
        # check's own keywords, refused by --sweep as by -D (a sweep of limits was a TypeError)
        (("--sweep", "limits=1,2"), "'limits' names check's limits: use --max-layers, --max-bytes"),
        (("-D", "limits=1"), "'limits' names check's limits: use --max-layers, --max-bytes"),
        (("--sweep", "batch=1,2"), "'batch' sizes the memory estimate: use --batch"),
        (("--sweep", "max_layers=5,6"), "'max_layers' is a limit: use --max-layers"),
    ):
        result = archc("check", ALPHAGO, *args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    unknown = archc("check", ALPHAGO, "--sweep", "width=1,2")
    assert unknown.exit_code == 2 and "-D width: network 'alphago_policy' has no parameter 'width'" in unknown.stderr
