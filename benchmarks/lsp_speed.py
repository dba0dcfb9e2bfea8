"""How fast the language server (`archc lsp`) answers, against the editor issue's target.

Run from the repository root: `python benchmarks/lsp_speed.py`. It prints one
table in the format of check_speed.py (each figure, its target, pass / FAIL or
`info`); the exit status is 1 only if a benchmark crashes.

The figures, in-process, on architectures/resnet152.arch (50 bottleneck blocks
from the standard library), each the best of 20:
- re-checking the file after a one-character edit, as the server does on
  every change (a new `Document`: parse, imports, check, every diagnostic):
  target 50 ms (the editor issue);
- a hover on a block call right after that edit (which builds the index of
  the checked tree), and the outline, for information.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from check_speed import Result, best_time, result, run, summary, table

ROOT = Path(__file__).resolve().parent.parent
RESNET152 = ROOT / "architectures" / "resnet152.arch"
RUNS = 20
TARGET_SECONDS = 0.05


def _edits() -> Callable[[], str]:
    """A new one-character edit of resnet152 at each call (the class count's last digit,
    0-9 in turn), so no run finds the text of the one before it."""
    text = RESNET152.read_text("utf-8")
    assert "classes = 1000" in text
    count = [0]

    def next_text() -> str:
        count[0] += 1
        return text.replace("classes = 1000", f"classes = 100{count[0] % 10}")

    return next_text


def recheck_after_edit() -> Result:
    from archlang.lsp.document import Document

    edit = _edits()
    Document(edit(), RESNET152)  # the first check loads the parser's tables
    seconds = best_time(lambda: _analysed(Document(edit(), RESNET152)), runs=RUNS)
    return result(f"lsp: re-check resnet152.arch after a one-character edit, in-process (best of {RUNS})",
                  seconds, "s", TARGET_SECONDS)


def _analysed(doc: object) -> None:
    from archlang.lsp.document import Document

    assert isinstance(doc, Document) and doc.analysis.ok and len(doc.rows) == 208, \
        "resnet152 did not check to its 208 rows"


def hover_after_edit() -> Result:
    from archlang.lsp.document import Document
    from archlang.lsp.hover import hover

    edit = _edits()
    line = next(n for n, text in enumerate(RESNET152.read_text("utf-8").splitlines(), 1) if "conv4_x:" in text)
    docs = [Document(edit(), RESNET152) for _ in range(RUNS)]
    seconds = best_time(lambda: hover(docs.pop(), (line, 12)), runs=RUNS)
    return result(f"lsp: hover on a block call of resnet152 after an edit, in-process (best of {RUNS})",
                  seconds, "s")


def outline() -> Result:
    from archlang.lsp.document import Document
    from archlang.lsp.navigate import symbols

    doc = Document(RESNET152.read_text("utf-8"), RESNET152)
    seconds = best_time(lambda: symbols(doc), runs=RUNS)
    return result(f"lsp: the outline of resnet152, in-process (best of {RUNS})", seconds, "s")


BENCHMARKS: list[Callable[[], Result]] = [recheck_after_edit, hover_after_edit, outline]


def main() -> int:
    rows = [run(benchmark) for benchmark in BENCHMARKS]
    print(table(rows))
    print(summary(rows))
    return 1 if any(row.value != row.value for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
