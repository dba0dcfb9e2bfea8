"""The worst inputs within the default limits: each checked (or drawn) in a process of its own.

The hardening issue's goal: every input within the default limits is checked in at
most 2 s and 500 MiB, and rendered in at most 10 s, or refused with a coded error at
once. Each input here is the most expensive of its class that the defaults let
through (or the smallest they refuse), run as `archc` is run: a fresh Python, whose
wall time and peak resident memory (getrusage of the child) are the figures.

Run from the repository root: `python benchmarks/worst_case.py` (or as part of
`python -m benchmarks`). A report, not a test: the exit status is 1 only on a crash.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_speed import Result, result, summary, table

from archlang.limits import DEFAULT
from archlang.render import MAX_BOXES

HEAD = "network worst\ninput 8@8x8\n"
#: The child's peak resident memory in KiB: Linux's VmHWM, the high-water mark of the child's own
#: memory since its exec. (ru_maxrss of RUSAGE_SELF is not: a child forked from a large parent, as
#: `python -m benchmarks` is once the build benchmarks have run, inherits the parent's size.)
PEAK_OF = ("def own_peak():\n    try:\n        with open('/proc/self/status') as status:\n"
           "            return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
           "    except (OSError, StopIteration):\n        import resource\n"
           "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n")
#: The child's last line: its peak resident memory, in KiB.
PEAK = PEAK_OF + "print(own_peak())\n"
CHECK = "import sys, archlang\ntry:\n    archlang.check(sys.argv[1])\nexcept archlang.ArchError as e:\n" \
        "    print(e.errors[0].code)\n" + PEAK
# Graphviz's dot is a process of its own: its peak is that of the child's children (forked from the
# small child, so their ru_maxrss is their own).
DRAW = "import sys, archlang\nfrom archlang import render\nrender.pipe(archlang.check(sys.argv[1]), 'svg')\n" \
       "import resource\n" + PEAK_OF + \
       "print(max(own_peak(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"


def _fill(unit: str, budget: int) -> str:
    """As many copies of `unit` as fit in `budget` bytes after the header."""
    return HEAD + unit * ((budget - len(HEAD)) // len(unit))


#: Each case: (what it is, the spec, the script that runs it, seconds allowed).
CASES: list[tuple[str, Callable[[], str], str, float]] = [
    (f"{DEFAULT.max_layers:,} layers by repeats ([conv3-8]*N)",
     lambda: HEAD + f"[conv3-8]*{DEFAULT.max_layers}\n", CHECK, 2.0),
    (f"{DEFAULT.max_layers:,} layers of concats ({{conv1-8 | conv1-8}}*N)",
     lambda: HEAD + f"[{{conv1-8 | conv1-8}}]*{DEFAULT.max_layers // 3}\n", CHECK, 2.0),
    (f"{DEFAULT.max_bytes // 1024} KiB written out, a layer a line (relu)",
     lambda: _fill("relu\n", DEFAULT.max_bytes), CHECK, 2.0),
    (f"{DEFAULT.max_bytes // 1024} KiB of misspelt calls (did you mean)",
     lambda: HEAD + "".join(f"def block{i}() = relu\n" for i in range(1500))
     + _fill("blok7(), ", DEFAULT.max_bytes - 40_000)[len(HEAD):].rstrip(", ") + "\n", CHECK, 2.0),
    (f"block calls {DEFAULT.max_depth - 1} deep",
     lambda: HEAD + "def b0() = relu\n" + "".join(f"def b{i}() = b{i - 1}(), relu\n" for i in range(1, 99))
     + "b98()\n", CHECK, 2.0),
    (f"brackets {DEFAULT.max_depth} deep", lambda: HEAD + "[" * DEFAULT.max_depth + "relu" + "]" * DEFAULT.max_depth
     + "\n", CHECK, 2.0),
    ("a repeat bomb, refused (E307)", lambda: HEAD + "[conv3-64]*1000000000\n", CHECK, 0.5),
    ("a repeat count of 2e6, refused (E307)", lambda: HEAD + "[conv3-8]*2e6\n", CHECK, 0.5),
    # the input, the output, the legend and each concat's join are boxes too
    (f"draw a concat of {MAX_BOXES - 4:,} paths (the most boxes drawn)",
     lambda: HEAD + "{" + " | ".join(["conv1-2"] * (MAX_BOXES - 4)) + "}\n", DRAW, 10.0),
    (f"draw {(MAX_BOXES - 3) // 5:,} concats of four paths",
     lambda: HEAD + ", ".join(["{conv1-2 | conv1-2 | conv1-2 | conv1-2}"] * ((MAX_BOXES - 3) // 5)) + "\n", DRAW,
     10.0),
]

MEMORY_MIB = 500.0


def measure(spec: str, script: str) -> tuple[float, float]:
    """Wall seconds and peak MiB of one child Python checking (or drawing) `spec`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "worst.arch"
        path.write_text(spec)
        start = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise RuntimeError(child.stderr.strip().splitlines()[-1])
        seconds = time.perf_counter() - start
    return seconds, int(child.stdout.split()[-1]) / 1024


def rows() -> list[Result]:
    """Two rows per case: its time and its peak memory, each against the goal."""
    out: list[Result] = []
    for name, spec, script, seconds_allowed in CASES:
        seconds, mib = measure(spec(), script)
        out.append(result(f"worst case: {name}, time", seconds, "s", seconds_allowed))
        out.append(result(f"worst case: {name}, peak memory", mib, "MiB", MEMORY_MIB))
    return out


def main() -> int:
    results = rows()
    print(table(results))
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
