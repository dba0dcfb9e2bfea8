"""How fast `archc render` is, against the target of the diagrams issue.

Run from the repository root: `python benchmarks/render_speed.py`. It prints one
table in the format of check_speed.py (each figure, its target, pass / FAIL or
`info`); the exit status is 1 only if a benchmark crashes.

The figures, on the largest architecture the renderer can draw (resnet152 once
branches are drawn; until then the largest that renders, e.g. vgg19):
- check + build the DOT text + lay it out with Graphviz's `dot` to SVG, in-process:
  target 3 s (the issue's figure for resnet152);
- the same without `dot` (DOT text only), and `archc render -o X.svg` as a
  whole process, for information.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from check_speed import ARCHC, Result, best_time, median_wall, result, run, summary, table

import archlang
from archlang import render

ROOT = Path(__file__).resolve().parent.parent
PREFERRED = ROOT / "architectures" / "resnet152.arch"
TARGET_SECONDS = 3.0


def drawable(path: Path) -> int:
    """Layers of a file the renderer can draw, or -1."""
    try:
        network = archlang.check(path)
        render.source(network)
    except (archlang.ArchError, render.RenderError):
        return -1
    return len(network.rows)


def largest() -> Path:
    """resnet152 if it renders, else the drawable file with the most layers."""
    if PREFERRED.exists() and drawable(PREFERRED) >= 0:
        return PREFERRED
    return max(sorted((ROOT / "architectures").glob("*.arch")), key=drawable)


def svg_in_process(path: Path) -> Result:
    seconds = best_time(lambda: render.svg(archlang.check(path)), runs=3)
    return result(f"check + render {path.stem} to SVG in-process (best of 3)", seconds, "s", TARGET_SECONDS)


def dot_in_process(path: Path) -> Result:
    seconds = best_time(lambda: render.source(archlang.check(path)), runs=3)
    return result(f"check + DOT text of {path.stem}, no Graphviz program (best of 3)", seconds, "s")


def cli_process(path: Path) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        seconds = median_wall([str(ARCHC), "render", str(path), "-o", str(Path(tmp) / "out.svg")], runs=3)
    return result(f"archc render {path.stem}.arch -o out.svg, whole process (median of 3)", seconds, "s")


BENCHMARKS: list[Callable[[Path], Result]] = [svg_in_process, dot_in_process, cli_process]


def main() -> int:
    path = largest()
    print(f"archlang {archlang.__version__} render speed on {path.name} "
          f"({len(archlang.check(path).rows)} layers), Python {sys.version.split()[0]}")
    rows = [run(lambda b=benchmark: b(path)) for benchmark in BENCHMARKS]  # type: ignore[misc]
    print(table(rows))
    print(summary(rows))
    return 1 if any(row.value != row.value for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
