"""Writes docs/errors.md, the catalogue of every diagnostic archc can give.

Each entry: the code, a short bad example, what `archc check` prints for it,
and the fix. The printed diagnostics are produced by running the examples, so
the catalogue cannot drift from the compiler; tests/test_catalogue.py re-runs
every example and compares. Run `python docs/gen_errors.py` after changing a
message, then read the diff.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import archlang
from archlang.diagnostics import CODES

OUT = Path(__file__).resolve().parent / "errors.md"


@dataclass(frozen=True)
class Entry:
    """A code's example: `files` maps file names to text (the first is checked;
    None for E100, which checks a file that does not exist); `params` are -D
    values; `fix` says what to change."""

    code: str
    files: dict[str, str] | None
    fix: str
    params: dict[str, object] = field(default_factory=dict)
    build: bool = False  # an `archc build` error: the example is checked, then compiled
    draw: bool = False  # an `archc render --unroll` error: the example is checked, then drawn
    name: str | None = None  # a name checked instead of a file (the zoo's names)


IN = "input 3@32x32\n"
NUL, NUL_SHOWN = "\0", "\\0"

ENTRIES = [
    Entry("E100", None, "Check the path; archc reads UTF-8 text files up to 4 MiB."),
    Entry("E101", {"example.arch": IN + "conv3-64 $\n"}, "Remove the character; comments start with `#`."),
    Entry("E102", {"example.arch": IN + "conv3-64 conv3-64\n"}, "Put `,` or `->` between two layers."),
    Entry("E103", {"example.arch": IN + "[conv3-64, pool\n"}, "Close the group where it ends."),
    Entry("E104", {"example.arch": IN + "conv3-64]\n"}, "Remove the bracket, or open the group before it."),
    Entry("E105", {"example.arch": IN + "[conv3-64]*\n"}, "Write the count after `*`: `[conv3-64]*2`."),
    Entry("E106", {"example.arch": IN + "conv3-64 ->\n"}, "Finish the line: say what follows `->`."),
    Entry("E107", {"example.arch": IN + "conv3-64\0\n"}, "Check a spec, not a binary file (here a NUL byte)."),
    Entry("E108", {"example.arch": IN + "conv3-64 p=\n"}, "Give the option a value: `p=1`."),
    Entry("E109", {"example.arch": IN + "[" * 101 + "relu" + "]" * 101 + "\n"},
          "Flatten the nesting; groups may nest 100 deep."),
    Entry("E110", {"example.arch": "input 28x28\nconv3-8\n"},
          "Write the input channels first, with `@`: `input 1@28x28` (grey), `input 3@224x224` (RGB)."),
    Entry("E111", {"example.arch": IN + "Conv2D(32, (3,3), activation='relu')\n"},
          "Write the layer in paper notation, as the hint does: `conv3-32 p=valid act=relu`."),
    Entry("E112", {"example.arch": IN + "conv 3-64\n"}, "Write the layer without spaces: `conv3-64`, `pool2`."),
    Entry("E113", {"example.arch": "netwrok vgg\n" + IN + "conv3-64\n"},
          "Spell the statement's keyword (lower case): `network vgg`."),
    Entry("E201", {"example.arch": IN + "conx3-64\n"}, "Use a layer kind from the README's table (`conv3-64`)."),
    Entry("E202", {"example.arch": IN + "conv3-64 q=1\n"}, "Use one of the layer's options, as the hint lists."),
    Entry("E203", {"example.arch": IN + "conv3-k\n"}, "Declare the parameter: `network n(k = 64)`."),
    Entry("E204", {"example.arch": "network n(k = 1, k = 2)\n" + IN + "conv3-k\n"}, "Give each name once."),
    Entry("E205", {"example.arch": "network n(k = 64)\n" + IN + "conv3-k\n"},
          "Set a parameter the network declares (`-D k=...`).", {"q": 1}),
    Entry("E206", {"example.arch": "network n(k = 64)\n" + IN + "conv3-k\n"},
          "Give a value of the parameter's type: a number for k.", {"k": True}),
    Entry("E207", {"example.arch": "network n(k)\n" + IN + "conv3-k\n"},
          "Give the parameter a default, or set it with `-D k=...`."),
    Entry("E208", {"example.arch": IN + IN + "conv3-64\n"}, "Keep one `input` line."),
    Entry("E211", {"example.arch": "def block(c) = conv3-c\n" + IN + "blokc(64)\n"},
          "Call a block defined in the file or imported."),
    Entry("E212", {"example.arch": "def block(c) = conv3-c\n" + IN + "block(64, 2)\n"},
          "Call the block with its parameters, as the hint shows."),
    Entry("E213", {"example.arch": "def block(c) = conv3-c, block(c)\n" + IN + "block(64)\n"},
          "Blocks cannot recurse; repeat with `[block(64)]*n` instead."),
    Entry("E214", {"example.arch": 'import "blocks.arch"\n' + IN + "pair(64)\n",
                   "blocks.arch": 'import "example.arch"\ndef pair(c) = conv3-c, conv3-c\n'},
          "Move the shared blocks into a file that imports neither."),
    Entry("E215", {"example.arch": 'import "blocks.arch"\n' + IN + "pair(64)\n"},
          "Import a file that exists (the path is relative to the importing file) or a module of the "
          "standard library by name (`import resnet`)."),
    Entry("E216", None, "Name a network of the zoo (`archc zoo` lists them), or give a spec file's path.",
          name="resnet5O"),
    Entry("E301", {"example.arch": "network n\nconv3-64\n"}, "Declare the input: `input 3@224x224`."),
    Entry("E302", {"example.arch": "input 3@4x4\nconv5-8 p=0\n"}, "Pad the input, or use a smaller kernel or stride."),
    Entry("E303", {"example.arch": IN + "conv3-8 g=2\n"}, "Make the groups divide both channel counts."),
    Entry("E304", {"example.arch": "input 5\nmaxout(2)\n"}, "Make the channels a multiple of the pieces."),
    Entry("E305", {"example.arch": "input 10\nconv3-8\n"}, "Give a spatial input (`input 1@28x28`) or use fc."),
    Entry("E306", {"example.arch": IN + "conv3-0\n"}, "Sizes, counts and strides are whole numbers from 1."),
    Entry("E307", {"example.arch": IN + "[conv3-64]*1000000000\n"},
          "Shrink the repeat, or raise the cap: `archc check --max-layers N`."),
    Entry("E308", {"example.arch": IN + "conv3-8 p=sme\n"}, "Give a value the option takes, as the message says."),
    Entry("E309", {"example.arch": IN + "conv3\n"}, "Give the layer its size: `conv3-64`."),
    Entry("E310", {"example.arch": IN + "{conv3-8 | conv3-8/2}\n"},
          "Make every path end in the same height and width; only channels may differ."),
    Entry("E311", {"example.arch": IN + "{x + conv3-8} shortcut=identity\n"},
          "Let archc project the shortcut (`shortcut=auto`), or keep the shape in the body."),
    Entry("E312", {"example.arch": "input 56\nfc-64\nembed-300 vocab=20000\n"},
          "A network that embeds takes token ids: put `embed` first, reading the input, and every other "
          "layer after it (the ids are integers; only embed reads them)."),
    Entry("E401", {"my-net.arch": IN + "conv3-8\n"},
          "Name the network with a `network` line (letters, digits, underscores): `network my_net`.",
          build=True),
    Entry("W301", {"example.arch": "input 3@224x224\nconv11-96/4 p=0\n"},
          "Use an input that tiles (227 for AlexNet), or pad; a warning does not fail the check."),
    Entry("E403", {"example.arch": "input 512@7x7\nfc-10000000\n"},
          "Shrink the layer the hint names (here an fc after a large flatten), or raise the limit: "
          "`archc build --max-memory 1TiB`, `archlang.build(..., limits=Limits(max_memory=2**40))`.", build=True),
    Entry("W401", {"example.arch": "network example\n" + IN + "act relu\nconv3-16, pool, fc-10, softmax\n"},
          "Build the module with `archlang.build(..., logits=True)` or `archc build --logits`: the final "
          "softmax is dropped and forward returns logits for `F.cross_entropy`. To keep probabilities, "
          "say so with `logits=False` (`--no-logits`) and train with `F.nll_loss(torch.log(p))`. "
          "`archc check` does not warn: the spec is right as the paper writes it.", build=True),
    Entry("E404", {"example.arch": IN + "[conv1-8]*1600\n"},
          "Fold the repeats (leave out `--unroll`), draw a smaller part, or write the `.dot` text "
          "(always written, however large) and lay it out yourself.", draw=True),
]


def run(entry: Entry, folder: Path) -> list[archlang.Diagnostic]:
    """The diagnostics of an entry's example (written into `folder`)."""
    if entry.name is not None:
        target: Path | str = entry.name
    elif entry.files is None:
        target = folder / "missing.arch"
    else:
        for name, text in entry.files.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        target = folder / next(iter(entry.files))
    try:
        network = archlang.check(target, **entry.params)  # type: ignore[arg-type]
        if entry.build:  # what archc build does after the check
            from archlang import codegen, runtime
            from archlang.logits import softmax_warning

            runtime.refuse_large(network)
            codegen.python(network)
            warning = softmax_warning(network)  # what archc build says without --logits or --no-logits
            return network.diagnostics + ([warning] if warning else [])
        if entry.draw:  # what archc render --unroll does after the check, before Graphviz runs
            from archlang import render

            render.refuse_large_drawing(network, render.draw(network, unroll=True), "svg")
        return network.diagnostics
    except archlang.ArchError as error:
        return error.diagnostics


def printed(entry: Entry) -> str:
    """What archc prints for the example, with the temporary folder hidden."""
    with tempfile.TemporaryDirectory() as tmp:
        diagnostics = run(entry, Path(tmp))
        text = "\n".join(d.format() for d in diagnostics if d.code == entry.code)
        for folder in (str(Path(tmp).resolve()), tmp):
            text = text.replace(folder + "/", "").replace(folder, ".")
        return text


def section(entry: Entry) -> str:
    lines = [f"## {entry.code}: {CODES[entry.code]}", ""]
    if entry.files is None:
        lines += ["```sh", f"archc check {entry.name or 'missing.arch'}", "```", ""]
    for name, text in (entry.files or {}).items():
        shown = text.replace(NUL, NUL_SHOWN)
        note = f" ({NUL_SHOWN} is a NUL byte)" if NUL in text else ""
        lines += [f"`{name}`{note}:", "", "```", shown.rstrip("\n"), "```", ""]
    if entry.params:
        defines = " ".join(f"-D {k}={str(v).lower()}" for k, v in entry.params.items())
        lines += [f"run as `archc check example.arch {defines}`", ""]
    if entry.build:
        name = next(iter(entry.files or {"example.arch": ""}))
        lines += [f"run as `archc build {name} -o out.py`", ""]
    if entry.draw:
        name = next(iter(entry.files or {"example.arch": ""}))
        lines += [f"run as `archc render {name} -o example.svg --unroll`", ""]
    lines += ["```text", printed(entry), "```", "", f"Fix: {entry.fix}", ""]
    return "\n".join(lines)


HEADER = """# Error catalogue

Every diagnostic `archc check` can give: a short spec that gives it, what archc prints,
and the fix. Errors make `archc check` exit with status 1 (an unknown `-D` name, E205, is a
usage error: 2); warnings (W...) are printed but the check passes. This file is generated by
`docs/gen_errors.py` from examples that `tests/test_catalogue.py` runs again, so what you read
here is what archc prints.

"""


def render() -> str:
    return HEADER + "\n".join(section(entry) for entry in ENTRIES)


if __name__ == "__main__":
    missing = sorted(set(CODES) - {e.code for e in ENTRIES})
    if missing:
        print(f"no example for: {', '.join(missing)}", file=sys.stderr)
    OUT.write_text(render())
    print(f"wrote {OUT}")
