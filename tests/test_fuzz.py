"""Hostile input: `archlang.check` returns or raises `ArchError`, located, fast.

Two sources of specs, both hypothesis strategies:
- `specs()` composes files from the grammar's shape: headers, layers with
  options, repeats, groups, concats `{a | b}`, residuals `{x + ...}`, side
  outputs, blocks and calls, imports, expressions, conditionals, comments and
  odd Unicode, valid and near-valid (a few mutations on top);
- `mutants()` mutates every file in architectures/: tokens inserted, deleted
  and repeated, huge numbers, deep nesting, long operator chains, odd Unicode,
  swapped lines, truncation.

The property (`check_cleanly`): `check` returns a network (whose JSON and
table also print), or raises `ArchError` whose every diagnostic lies inside
the text it names (line 1..lines, column 1..len(line)+1; no span only for the
span-less codes), and nothing else escapes; each input takes under a second
(an input over a tenth of that is timed once more, so that a pause of the
machine is not taken for a slow input).
Specs are checked under a layer cap of `LAYER_CAP`: a spec may legitimately
expand to a million layers (which takes as long as a million layers take, see
`python -m benchmarks`), and the cap is the limit that stops a hostile one.

Budget: a CI-sized run by default (the part marked slow is the bigger one);
`ARCHLANG_FUZZ_EXAMPLES=100000` shares that many inputs between the two slow
tests for the large run, and `ARCHLANG_FUZZ_STATS=FILE` appends each test's
figures (inputs, slowest input and its time) to FILE as JSON lines, and each
test's slowest input whole to FILE.<test>.slowest.arch, to time it again by hand.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
from conftest import ARCHITECTURES, archc_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archlang
from archlang.diagnostics import CODES
from archlang.report import table
from archlang.serialize import network_json

TEXTS = {path.name: path.read_text(encoding="utf-8") for path in ARCHITECTURES}

#: Codes documented without a place in the text: an unreadable (or too large)
#: file, and an expression nested too deeply for Python to walk.
SPANLESS = {"E100", "E109", "E216"}  # unreadable, too deep, not a name of the zoo
SECONDS = 1.0
RETIME = 0.1  # an input slower than this is timed once more
LAYER_CAP = 2_000

LARGE = int(os.environ.get("ARCHLANG_FUZZ_EXAMPLES", "0"))
STATS_FILE = os.environ.get("ARCHLANG_FUZZ_STATS")
SLOW_EXAMPLES = LARGE // 2 or 1000
FAST_EXAMPLES = 100


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None if LARGE else settings.default.database,
                    suppress_health_check=list(HealthCheck))


# ---- the property ---------------------------------------------------------------------------


class Stats:
    """Inputs checked and the slowest of them, per test."""

    def __init__(self) -> None:
        self.inputs = 0
        self.retimed = 0  # inputs over RETIME on their first run, timed again
        self.slowest = 0.0
        self.slowest_input = ""

    def add(self, text: str, seconds: float) -> None:
        self.inputs += 1
        if seconds > self.slowest:
            self.slowest, self.slowest_input = seconds, text

    def write(self, test: str) -> None:
        if not STATS_FILE:
            return
        record = {"test": test, "date": datetime.datetime.now().isoformat(timespec="seconds"),
                  "inputs": self.inputs, "retimed": self.retimed, "slowest_s": round(self.slowest, 4),
                  "slowest_input": self.slowest_input[:300]}
        with open(STATS_FILE, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        Path(f"{STATS_FILE}.{test}.slowest.arch").write_text(self.slowest_input, encoding="utf-8",
                                                               errors="surrogatepass")


def assert_located(diagnostic: archlang.Diagnostic) -> None:
    assert diagnostic.code in CODES, diagnostic
    assert diagnostic.message, diagnostic
    if diagnostic.span is None:
        assert diagnostic.code in SPANLESS, diagnostic
        return
    assert diagnostic.source is not None, diagnostic
    lines = diagnostic.source.text.split("\n")
    span = diagnostic.span
    assert 1 <= span.line <= len(lines), (diagnostic, len(lines))
    assert 1 <= span.col <= len(lines[span.line - 1]) + 1, (diagnostic, lines[span.line - 1])
    # The excerpt shows the line the diagnostic is on.
    assert diagnostic.source.line_text(span.line) == lines[span.line - 1], diagnostic
    assert (span.end_line, span.end_col) >= (span.line, span.col), diagnostic  # a range, not a point before it


def timed_check(text: str) -> tuple[float, archlang.CheckedNetwork | archlang.ArchError]:
    """Seconds `check` took, and what it gave; anything but ArchError escapes."""
    start = time.perf_counter()
    try:
        result: archlang.CheckedNetwork | archlang.ArchError = archlang.check(text, limits={"max_layers": LAYER_CAP})
    except archlang.ArchError as error:
        result = error
    return time.perf_counter() - start, result


def check_cleanly(text: str, stats: Stats | None = None) -> None:
    """The property, for one input."""
    seconds, result = timed_check(text)
    if seconds >= RETIME:
        # A pause of the machine (other processes) is not the input's doing:
        # time it once more (check itself pauses the cycle collector, so a
        # collection of hypothesis's data cannot land inside it). A slow input
        # is slow both times, so the faster run is its time (for the limit,
        # and for the slowest input recorded).
        again, result = timed_check(text)
        seconds = min(seconds, again)
        if stats is not None:
            stats.retimed += 1
    if isinstance(result, archlang.ArchError):
        assert result.errors, "ArchError without an error"
        # analyze, which never raises, finds the same diagnostics that check raises with
        # (but for E109, which depends on how deep the stack already is).
        analysis = archlang.analyze(text, limits={"max_layers": LAYER_CAP})
        if "E109" not in {d.code for d in result.diagnostics}:
            assert [(d.code, d.span) for d in analysis.diagnostics] == [(d.code, d.span) for d in result.diagnostics]
        for diagnostic in result.diagnostics:
            assert_located(diagnostic)
            json.dumps(diagnostic.to_json())
        str(result)
    else:
        for diagnostic in result.diagnostics:
            assert_located(diagnostic)
        json.dumps(network_json(result))
        table(result)
    if stats is not None:
        stats.add(text, seconds)
    assert seconds < SECONDS, f"{seconds:.2f} s for {text[:200]!r}"


# ---- pieces of specs ------------------------------------------------------------------------

HUGE = ["2147483647", "2147483648", "4294967296", "9223372036854775808", "1" + "0" * 30, "9" * 100, "1e999",
        "1e308", "1.5e-400", "0", "00000000000000000000001"]
LONG = ["9" * 101, "9" * 400, "9" * 5000]  # past the digits a number may have
ODD = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\x85", "\x0b",
       "\x0c", "\t", "\r", "\r\n", "\x00", "\ufffd", "\ud800", "\U0001f600", "ｃｏｎｖ３", "ｆｃ－１０", "\u0435",
       "\u2113", "\U0001d7d8", "\u0663", "e\u0301", "→", "×", "＠", "［", "］", "｛", "｜", "\u00a0", "\u3000", "\\",
       '"', "'", "#", "\x1b[31m"]
KINDS = ["conv3", "conv1", "conv5", "conv1x7", "conv7x1", "conv11", "fc", "FC", "dense", "pool", "pool3",
         "maxpool2", "maxpool3", "avgpool7", "minpool2", "l2pool2", "gap", "gmp", "flatten", "dropout", "drop",
         "lrn", "batchnorm", "bn", "posbias", "relu", "tanh", "sigmoid", "softmax", "leakyrelu", "elu", "maxout",
         "local3", "embed", "adaptiveavgpool7", "droppath", "partialconv5", "subsample2", "rbf", "conx3", "zeropad", "concat", "add", "x", "side"]
OPTION_KEYS = ["p", "pad", "s", "stride", "d", "dilation", "g", "groups", "bias", "bn", "act", "ceil", "size",
               "alpha", "beta", "k", "vocab", "bn_eps", "mode", "table", "shortcut", "q", "c", "n"]
PARAMS = ["k", "n", "bn", "train", "c", "s", "aux"]
BLOCKS = ["blk", "pair", "basic", "bottleneck", "inception", "cifar_stage", "inception_a", "nosuch"]
WORDS = ["same", "valid", "relu", "none", "tanh", "leakyrelu(0.1)", "lenet5", "auto", "A", "C", "identity",
         "true", "false", "softmax"]
SEPARATORS = [", ", " -> ", " → ", "\n", ",\n", ",", "->"]
IMPORTS = ["resnet", "inception", "inception_v3", "nosuch", '"blocks.arch"', '""', '"."', '"/"',
           '"' + "a" * 300 + '.arch"', '"architectures/resnet50.arch"', '"../x.arch"', '"\u202e.arch"']



def pick(choices: list[str]) -> st.SearchStrategy[str]:
    """One of `choices`; unlike sampled_from, its repr stays short when they are long."""
    def choose(i: int) -> str:
        return choices[i]

    return st.integers(0, len(choices) - 1).map(choose)


huge = pick(HUGE)
long = pick(LONG)
numbers = st.one_of(st.integers(0, 300).map(str), st.integers(0, 16).map(str), huge,
                    st.sampled_from(["0.5", ".5", "1e-4", "0.75", "1.", "2e3", "1"]))
names = st.one_of(st.sampled_from(PARAMS), st.tuples(st.sampled_from("abcxyzABC_"), st.text(
    "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_", max_size=8)).map("".join))
odd = st.sampled_from(ODD)


def _binary(parts: tuple[str, str, str]) -> str:
    return f"{parts[0]} {parts[1]} {parts[2]}"


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = st.sampled_from(["+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or"])
    return st.one_of(
        st.tuples(inner, operators, inner).map(_binary),
        inner.map(lambda e: f"-{e}"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"({e})"),
    )


expressions = st.recursive(st.one_of(numbers, names, st.sampled_from(WORDS)), _extend, max_leaves=4)
#: What may follow `*`, `-` or `/`: the grammar's `atom`.
atoms = st.one_of(st.integers(0, 12).map(str), huge, names, expressions.map(lambda e: f"({e})"))
counts = st.one_of(st.integers(0, 6).map(str), pick(HUGE[:6] + ["n", "k", "(n+1)", "0.5", "-1"]))
values = st.one_of(numbers, st.sampled_from(WORDS), names, numbers.map(lambda n: f"-{n}"),
                   expressions.map(lambda e: f"({e})"))
options = st.tuples(st.sampled_from(OPTION_KEYS), values).map(lambda kv: f"{kv[0]}={kv[1]}")


def _optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


#: A layer or block call: `conv3-64/2 p=1`, `dropout(0.5)`, `blk(64, s=2)`.
calls = st.tuples(
    st.one_of(st.sampled_from(KINDS), st.sampled_from(BLOCKS), names,
              st.tuples(st.sampled_from(["conv", "pool", "local"]), huge | long).map("".join)),
    _optional(st.lists(st.one_of(expressions, options), max_size=3).map(lambda a: f"({', '.join(a)})")),
    _optional(atoms.map(lambda a: f"-{a}")),
    _optional(atoms.map(lambda a: f"/{a}")),
    st.lists(options, max_size=2).map(lambda o: "".join(f" {x}" for x in o)),
).map("".join)


def _join(parts: list[str], separators: list[str]) -> str:
    text = parts[0]
    for part, separator in zip(parts[1:], separators):
        text += separator + part
    return text


def bodies(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    parts = st.lists(inner, min_size=1, max_size=3)
    return st.tuples(parts, st.lists(st.sampled_from(SEPARATORS), min_size=2, max_size=2)).map(
        lambda t: _join(*t))


def _structures(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = bodies(inner)
    trailing = st.lists(options, max_size=1).map(lambda o: "".join(f" {x}" for x in o))
    return st.one_of(
        body.map(lambda b: f"[{b}]"),
        body.map(lambda b: f"({b})"),
        st.tuples(st.lists(body, min_size=1, max_size=3), trailing).map(
            lambda t: "{" + " | ".join(t[0]) + "}" + t[1]),
        st.tuples(body, trailing).map(lambda t: "{x + " + t[0] + "}" + t[1]),
        body.map(lambda b: f"side[{b}]"),
        st.tuples(names, inner).map(lambda t: f"{t[0]}: {t[1]}"),
        st.tuples(inner, counts).map(lambda t: f"{t[0]}*{t[1]}"),
        st.tuples(inner, expressions).map(lambda t: f"{t[0]} if {t[1]}"),
    )


items = st.recursive(calls, _structures, max_leaves=8)
lines = bodies(items)
sizes = st.one_of(st.integers(1, 64).map(str), pick(["0", "224", "19", "2147483647", "2147483648", "9" * 30]),
                  long)
shapes = st.one_of(
    sizes,
    st.tuples(sizes, sizes).map("@".join),
    st.tuples(sizes, sizes, sizes).map(lambda t: f"{t[0]}@{t[1]}x{t[2]}"),
    st.tuples(sizes, sizes, sizes, sizes).map(lambda t: f"{t[0]}@{t[1]}x{t[2]}x{t[3]}"),
)
params = st.lists(st.tuples(st.sampled_from(PARAMS), st.one_of(st.none(), values)), max_size=3).map(
    lambda ps: ", ".join(name if value is None else f"{name} = {value}" for name, value in ps))
#: Half the statements are lines of layers; the rest headers, defaults, blocks, imports, comments.
statements = lines | st.one_of(
    values.map(lambda v: f"act {v}"),
    values.map(lambda v: f"pad {v}"),
    st.tuples(st.lists(st.sampled_from(["conv", "fc", "pool", "local", "nosuch"]), max_size=2),
              st.lists(options, min_size=1, max_size=3)).map(lambda t: f"default {' '.join(t[0] + t[1])}"),
    st.tuples(st.sampled_from(BLOCKS), params, lines).map(lambda t: f"def {t[0]}({t[1]}) = {t[2]}"),
    pick(IMPORTS).map(lambda i: f"import {i}"),
    st.text(max_size=20).map(lambda t: "# " + t.replace("\n", " ").replace("\r", " ")),
    st.one_of(st.just("network n"), st.just(""), shapes.map(lambda s: f"input {s}")),
)
#: A spec in the grammar's shape: usually a header, then statements.
generated = st.tuples(
    _optional(st.tuples(st.one_of(names, st.sampled_from(["my-net", "ｎｅｔ", "class", "x"])),
                        _optional(params.map(lambda p: f"({p})"))).map(lambda t: f"network {t[0]}{t[1]}\n")),
    _optional(shapes.map(lambda s: f"input {s}\n")),
    st.lists(statements, max_size=5).map("\n".join),
    st.sampled_from(["", "\n", "\r\n", "  # end"]),
).map("".join)


# ---- mutations ------------------------------------------------------------------------------

TOKEN = re.compile(r"\s+|\d+|[A-Za-z_]\w*|->|//|==|!=|<=|>=|\S")
PUNCTUATION = ["[", "]", "(", ")", "{", "}", "|", ",", "->", "*", "-", "/", "=", ":", "@", "x", "+", "#", "if",
               "not", "and", "\n", " ", '"', "input", "network", "def", "import", "side", "act", "pad", "default"]


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutation(draw: st.DrawFn, parts: list[str]) -> list[str]:
    """One mutation of a token list."""
    at = draw(st.integers(0, len(parts)))
    which = draw(st.integers(0, 9))
    if which == 0 and parts:  # delete a few tokens
        return parts[:at] + parts[at + draw(st.integers(1, 4)):]
    if which == 1:  # insert a token: one of the file's, punctuation, odd Unicode or a huge number
        pool = st.one_of(pick(parts or ["x"]), st.sampled_from(PUNCTUATION), odd, huge, long)
        return parts[:at] + [draw(pool)] + parts[at:]
    if which == 2 and at < len(parts):  # repeat a token
        times = draw(st.one_of(st.integers(2, 8), st.integers(9, 2000)))
        return parts[:at] + [parts[at]] * times + parts[at + 1:]
    if which == 3:  # a number made huge
        numeric = [i for i, p in enumerate(parts) if p.isdigit()]
        if numeric:
            i = draw(st.sampled_from(numeric))
            return parts[:i] + [draw(huge | long)] + parts[i + 1:]
    if which == 4:  # deep nesting around a run of tokens
        depth = draw(st.one_of(st.integers(1, 5), st.integers(90, 110), st.integers(500, 3000)))
        opener = draw(st.sampled_from(["[", "(", "{", "{x + ", "side["]))
        closer = {"[": "]", "(": ")", "{": "}", "{x + ": "}", "side[": "]"}[opener]
        end = draw(st.integers(at, min(len(parts), at + 6)))
        return parts[:at] + [opener] * depth + parts[at:end] + [closer] * depth + parts[end:]
    if which == 5:  # a long chain of operators
        n = draw(st.one_of(st.integers(2, 50), st.integers(200, 3000)))
        chain = draw(pick(["+".join(["1"] * n), "-" * n + "1", "not " * n + "true", "(" * n + "1" + ")" * n,
                           "*".join(["2"] * n)]))
        return parts[:at] + [chain] + parts[at:]
    if which == 6 and len(parts) > 1:  # swap two tokens
        other = draw(st.integers(0, len(parts) - 1))
        at = min(at, len(parts) - 1)
        swapped = list(parts)
        swapped[at], swapped[other] = swapped[other], swapped[at]
        return swapped
    if which == 7:  # truncate
        return parts[:at]
    if which == 8:  # duplicate a stretch (a line, a statement)
        end = draw(st.integers(at, min(len(parts), at + 40)))
        return parts[:end] + parts[at:end] + parts[end:]
    # odd Unicode inside a token
    if at < len(parts) and parts[at]:
        i = draw(st.integers(0, len(parts[at])))
        return parts[:at] + [parts[at][:i] + draw(odd) + parts[at][i:]] + parts[at + 1:]
    return parts + [draw(odd)]


@st.composite
def mutated(draw: st.DrawFn, text: str, most: int = 4) -> str:
    parts = tokens(text)
    for _ in range(draw(st.integers(1, most))):
        parts = draw(mutation(parts))
    return "".join(parts)


@st.composite
def mutants(draw: st.DrawFn) -> str:
    """A shipped architecture with one to four mutations."""
    return draw(mutated(TEXTS[draw(st.sampled_from(sorted(TEXTS)))]))


@st.composite
def specs(draw: st.DrawFn) -> str:
    """A generated spec, left as it is or made near-valid by a mutation or two."""
    text = draw(generated)
    return draw(mutated(text, 2)) if draw(st.integers(0, 2)) == 0 else text


# ---- the tests ------------------------------------------------------------------------------

STATS = {"specs": Stats(), "mutants": Stats()}


@pytest.fixture(scope="module", autouse=True)
def _report_stats():
    yield
    for name, stats in STATS.items():
        if stats.inputs:
            stats.write(name)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_shipped_architectures_check(name: str) -> None:
    check_cleanly(TEXTS[name])


#: Inputs that once escaped (or ran long), each with the code it gives now.
REGRESSIONS = [
    # One line naming no file, too long a name for the system: OSError from Path.exists.
    ("#" * 256, "E301"),
    # U+2028 is a line break to str.splitlines, not to the lexer: the excerpt showed the wrong line.
    ("\u2028[", "E103"),
    (" 0\u2028", "E102"),
    # More digits than Python turns into an int: ValueError.
    ("input " + "9" * 5000, "E306"),
    ("act " + "9" * 5000, "E306"),
    ("input 3@32x32\nconv" + "9" * 5000 + "-8", "E306"),
    # A result of thousands of digits could not be printed in its message: ValueError.
    ("input 3\nfc-(" + "*".join(["9" * 100] * 50) + ")", "E306"),
    # A lone surrogate (only a str can hold one) in an import path: UnicodeEncodeError from pathlib.
    ('input 1\nact 0\nact 0\nimport "\ud800blocks.arch"', "E107"),
    # An import path too long for the system: OSError from Path.is_file.
    ('import "' + "a" * 300 + '.arch"\ninput 3\nfc-2', "E215"),
    # The layer cap met inside a standard-library block: E307 pointed into resnet.arch
    # with the network's file name and a line it does not have.
    ("import resnet\ninput 3@224x224\nbottleneck_stage(64, 99999999999)", "E307"),
    # A residual whose shapes no stride maps: a loop over every stride up to the input size.
    ("input 3@2000000000x2000000000\n{x + conv3-8 p=0}", "E311"),
    # Megabytes on one line: a Python loop over every character, and every diagnostic
    # printing the whole line (4.8 s for this one; 115 s for the input it was shrunk from).
    ("pad true\ninput " + "9" * 3_000_000, "E306"),
    ("input 3@32x32\nconv3-8 " + " ".join(f"q{i}=1" for i in range(200)) + "  # " + "x" * 500_000, "E202"),
    # A long name of sizes: the regex that split off `1x7` backtracked quadratically (2 s here).
    ("input 3@8x8\na" + "1x" * 5000, "E201"),
]


@pytest.mark.parametrize(("text", "code"), REGRESSIONS, ids=lambda v: repr(v)[:40])
def test_regression(text: str, code: str) -> None:
    check_cleanly(text)
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(text)
    assert code in {d.code for d in info.value.errors}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """Reading a FIFO as a spec (or an import) waited forever for a writer."""
    fifo = tmp_path / "spec.arch"
    os.mkfifo(fifo)
    result = archc_process("check", str(fifo))
    assert result.returncode == 1 and "error[E100]" in result.stderr and "not a regular file" in result.stderr
    spec = tmp_path / "main.arch"
    spec.write_text('import "spec.arch"\ninput 3\nfc-2\n')
    result = archc_process("check", str(spec))
    assert result.returncode == 1 and "error[E215]" in result.stderr


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="/proc/kmsg is not readable here")
def test_importing_proc_kmsg_does_not_hang(tmp_path: Path) -> None:
    """As root, `import "/proc/kmsg"` blocked until the kernel logged something."""
    spec = tmp_path / "main.arch"
    spec.write_text('import "/proc/kmsg"\ninput 3\nfc-2\n')
    result = archc_process("check", str(spec))
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_operator_chains_of_every_length_are_refused_cleanly() -> None:
    """Lark wrapped a RecursionError met inside a rule method in its own
    VisitError, at one length of chain (which depends on the stack). Under a
    lower recursion limit every length up to past it is quick to try."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 300)
    try:
        for n in range(1, 300):
            check_cleanly("input 3\nfc-(" + "-" * n + "1)")
    finally:
        sys.setrecursionlimit(limit)


@budget(FAST_EXAMPLES)
@given(specs())
def test_generated_specs_quick(text: str) -> None:
    check_cleanly(text)


@budget(FAST_EXAMPLES)
@given(mutants())
def test_mutated_architectures_quick(text: str) -> None:
    check_cleanly(text)


@pytest.mark.slow
@budget(SLOW_EXAMPLES)
@given(specs())
def test_generated_specs(text: str) -> None:
    check_cleanly(text, STATS["specs"])


@pytest.mark.slow
@budget(SLOW_EXAMPLES)
@given(mutants())
def test_mutated_architectures(text: str) -> None:
    check_cleanly(text, STATS["mutants"])
