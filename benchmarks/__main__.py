"""Every benchmark in one table: `python -m benchmarks` from the repository root.

Runs each figure of check_speed.py (the language core), worst_case.py (the worst
inputs within the default limits), render_speed.py (the
diagrams), build_speed.py (the PyTorch backend) and lsp_speed.py (the language
server's re-check after an edit), with their own benchmark
functions, and prints them in one table in their shared format: the figure,
its value, its target and pass / FAIL (`info` where a figure has no target).
The exit status is 1 only if a benchmark crashes. `--skip build` (or render,
check, lsp) leaves a group out, e.g. where torch or Graphviz is not installed.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the scripts import each other by name

import check_speed
from check_speed import Result, run, summary, table

import archlang

GROUPS = ("check", "render", "build", "worst", "lsp")


def check_rows() -> list[Result]:
    return [run(benchmark) for benchmark in check_speed.BENCHMARKS]


def render_rows() -> list[Result]:
    import render_speed

    path = render_speed.largest()
    return [run(lambda b=benchmark: b(path)) for benchmark in render_speed.BENCHMARKS]  # type: ignore[misc]


def build_rows() -> list[Result]:
    import build_speed

    rows: list[Result] = []
    for benchmark in build_speed.BENCHMARKS:
        outcome = run(benchmark)  # type: ignore[arg-type]
        rows += outcome if isinstance(outcome, list) else [outcome]
    return rows


def worst_rows() -> list[Result]:
    import worst_case

    return worst_case.rows()


def lsp_rows() -> list[Result]:
    import lsp_speed

    return [run(benchmark) for benchmark in lsp_speed.BENCHMARKS]


ROWS: dict[str, Callable[[], list[Result]]] = {"check": check_rows, "render": render_rows, "build": build_rows,
                                               "worst": worst_rows, "lsp": lsp_rows}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", action="append", choices=GROUPS, default=[], help="leave a group out")
    skip = parser.parse_args().skip
    print(f"archlang {archlang.__version__} benchmarks, {datetime.date.today()}, Python {platform.python_version()}, "
          f"{platform.machine()} with {os.cpu_count()} CPUs")
    rows = []
    for group in GROUPS:
        if group not in skip:
            rows += ROWS[group]()
    print(table(rows))
    print(summary(rows))
    return 1 if any(math.isnan(row.value) for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
