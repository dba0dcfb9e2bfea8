"""How fast `archc check` is, against the targets of the language-core issue.

Run from the repository root: `python benchmarks/check_speed.py`. It prints one
table: each figure, its target and pass / FAIL (or `info` for a figure shown
without a target). It is a report, not a test: the exit status is 0 whatever
the figures are, and 1 only if a benchmark crashes.

The figures:
- `archc check architectures/vgg16.arch` as a whole process (the `archc` entry
  point beside this Python), against `python -c "import torch"` started the
  same way: the checker must cost a twentieth of a torch import (the open-core issue). Each command runs
  once first, unmeasured, so that both read their files from a warm disk; then five rounds of
  three checks and one import, the ratio the median of the rounds' ratios (start_up_rounds).
  Before that, `python -m compileall -q` byte-compiles the archlang package,
  as any install or first run does: where PYTHONDONTWRITEBYTECODE=1 is set
  (as on some CI machines) every `archc` start would otherwise recompile it.
- checking a spec that expands to 100,000 layers through repeats, in-process;
  and, for information, a 10,000-layer spec written out line by line, which
  times Lark's parser rather than the checker.
- checking ResNet-1202 (`resnet_cifar.arch -D n=200`), "well under a second"
  (the branches issue): target 0.5 s.
- refusing the repeat bomb `[conv3-64]*1000000000` with E307.
- `archc check NAME` as a whole process for the zoo's slowest name (timed once
  in-process to find it): target 0.3 s (the zoo issue).

To add a figure, write a function that returns a `Result` and list it in
`BENCHMARKS`.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import archlang

ROOT = Path(__file__).resolve().parent.parent
ARCHC = Path(sys.executable).parent / "archc"
VGG16 = ROOT / "architectures" / "vgg16.arch"

#: One repeat body of varied layers, and the input it needs.
BODY = ("conv3-64", "relu", "batchnorm", "dropout(0.1)")
INPUT = "input 64@32x32"
BOMB = "network bomb\ninput 3@224x224\n[conv3-64]*1000000000\n"


class Result(NamedTuple):
    """One figure: what was measured, its value and unit, the most it may be
    (None for a figure shown for information only), and whether it met that."""

    name: str
    value: float
    unit: str
    target: float | None
    ok: bool | None


def result(name: str, value: float, unit: str, target: float | None = None) -> Result:
    return Result(name, value, unit, target, None if target is None else value <= target)


# ---- timing ----------------------------------------------------------------------------------


def wall_seconds(command: list[str]) -> float:
    """Wall time of one run of a command, from launch to exit."""
    start = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def median_wall(command: list[str], runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        wall_seconds(command)
    return statistics.median(wall_seconds(command) for _ in range(runs))


def best_time(action: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` in-process calls: the least disturbed by the machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- specs -----------------------------------------------------------------------------------


def repeated_spec(layers: int) -> str:
    """A spec of `layers` layers: the varied body repeated."""
    return f"network repeated\n{INPUT}\n[{', '.join(BODY)}]*{layers // len(BODY)}\n"


def written_out_spec(layers: int) -> str:
    """A spec of `layers` layers, one a line, no repeats."""
    lines = BODY * (layers // len(BODY))
    return "\n".join(("network written_out", INPUT, *lines)) + "\n"


def approx_tokens(text: str) -> int:
    """About the number of tokens Lark's lexer sees (names, numbers, symbols, line breaks)."""
    return len(re.findall(r"\d+\.\d+|\w+|[^\w\s]|\n", text))


def check_layers(text: str, expected: int) -> None:
    """Check a spec and make sure it really expanded to `expected` layers."""
    # past the default limits (50,000 layers, 64 KiB) on purpose: this times the checker itself
    got = len(archlang.check(text, limits=archlang.Limits(max_layers=2**40, max_bytes=2**30)).layers)
    if got != expected:
        raise RuntimeError(f"the spec checked to {got:,} layers, not {expected:,}")


def refuse_bomb() -> None:
    try:
        archlang.check(BOMB)
    except archlang.ArchError as error:
        codes = [d.code for d in error.diagnostics]
        if "E307" not in codes:
            raise RuntimeError(f"the repeat bomb was refused with {codes}, not E307") from error
        return
    raise RuntimeError("the repeat bomb was accepted")


# ---- benchmarks ------------------------------------------------------------------------------


def compile_package() -> None:
    """Byte-compile archlang's sources, as an install (or a first run that may write) does."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(archlang.__file__).parent)], check=True)


#: Rounds of the start-up figures: each runs archc check three times and import torch once, back to back.
ROUNDS = 5


@functools.cache
def start_up_rounds() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per round: the median of three `archc check vgg16.arch` and one `import torch`.

    The two are timed in turn, round by round, and the ratio is the median of
    the rounds' ratios: on this shared machine both swing by a third within a
    minute, and timing all of one and then all of the other (medians of 9 and
    of 5) let a slow minute fall on one side only (ratios from 0.040 to 0.071
    for the same code). The forward ratios of build_speed.py pair the same way."""
    compile_package()
    check, torch = [str(ARCHC), "check", str(VGG16)], [sys.executable, "-c", "import torch"]
    wall_seconds(check)  # once each first, unmeasured: a warm disk for both
    wall_seconds(torch)
    checks, imports = [], []
    for _ in range(ROUNDS):
        checks.append(statistics.median(wall_seconds(check) for _ in range(3)))
        imports.append(wall_seconds(torch))
    return tuple(checks), tuple(imports)


def archc_process() -> Result:
    return result(f"archc check vgg16.arch, whole process (median of {ROUNDS} rounds of 3)",
                  statistics.median(start_up_rounds()[0]), "s")


def torch_process() -> Result:
    return result(f'python -c "import torch", whole process (median of {ROUNDS} rounds)',
                  statistics.median(start_up_rounds()[1]), "s")


def process_ratio() -> Result:
    ratios = [check / torch for check, torch in zip(*start_up_rounds())]
    return result(f"ratio archc check vgg16 / import torch (median of {ROUNDS} paired rounds)",
                  statistics.median(ratios), "", 0.05)


def zoo_names() -> Result:
    """`archc check NAME` as a whole process, for the zoo's slowest name to check: target 0.3 s (the zoo issue)."""
    from archlang import zoo

    compile_package()
    slowest = max(zoo.models(), key=lambda name: best_time(lambda: archlang.check(name), runs=1))
    seconds = median_wall([str(ARCHC), "check", slowest], runs=5)
    return result(f"archc check {slowest}, the zoo's slowest name, whole process (median of 5)", seconds, "s", 0.3)


def repeated_100k() -> Result:
    text = repeated_spec(100_000)
    seconds = best_time(lambda: check_layers(text, 100_000), runs=3)
    return result("check 100,000 layers, [4-layer body]*25000 (best of 3)", seconds, "s", 2.0)


def resnet_1202() -> Result:
    path = ROOT / "architectures" / "resnet_cifar.arch"
    seconds = best_time(lambda: archlang.check(path, n=200), runs=3)
    return result("check resnet_cifar.arch -D n=200 (ResNet-1202), in-process (best of 3)", seconds, "s", 0.5)


def written_out_10k() -> Result:
    text = written_out_spec(10_000)
    seconds = best_time(lambda: check_layers(text, 10_000), runs=3)
    rate = approx_tokens(text) / seconds
    return result(f"check 10,000 layers written out, no repeats (best of 3; measures the Lark "
                  f"parser, ~{rate / 1000:.0f}k tokens/s)", seconds, "s")


def repeat_bomb() -> Result:
    seconds = best_time(refuse_bomb, runs=5)
    return result("refuse [conv3-64]*1000000000 with E307 (best of 5)", seconds, "s", 0.1)


BENCHMARKS: list[Callable[[], Result]] = [
    archc_process,
    torch_process,
    process_ratio,
    zoo_names,
    repeated_100k,
    resnet_1202,
    written_out_10k,
    repeat_bomb,
]


# ---- report ----------------------------------------------------------------------------------


def run(benchmark: Callable[[], Result]) -> Result:
    """Run one benchmark; a crash becomes a row of its own (its traceback on stderr)."""
    try:
        return benchmark()
    except Exception:  # noqa: BLE001 - any crash is reported as a row, the rest still run
        traceback.print_exc()
        return Result(f"{benchmark.__name__}: crashed", math.nan, "", None, False)


def cells(row: Result) -> tuple[str, str, str, str]:
    value = f"{row.value:.3g} {row.unit}".strip()
    target = "-" if row.target is None else f"<= {row.target:g} {row.unit}".strip()
    mark = "info" if row.ok is None else "pass" if row.ok else "FAIL"
    if math.isnan(row.value):
        value, mark = "-", "CRASH"
    return row.name, value, target, mark


def table(rows: list[Result]) -> str:
    lines = [("figure", "value", "target", "result"), *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        f"{name:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {mark}".rstrip()
        for name, value, target, mark in lines)


def summary(rows: list[Result]) -> str:
    targeted = [row for row in rows if row.target is not None]
    met = sum(1 for row in targeted if row.ok)
    return f"{met} of {len(targeted)} targets met"


def main() -> int:
    print(f"archlang {archlang.__version__} check speed, Python {sys.version.split()[0]}")
    rows = [run(benchmark) for benchmark in BENCHMARKS]
    print(table(rows))
    print(summary(rows))
    crashed = any(math.isnan(row.value) for row in rows)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
