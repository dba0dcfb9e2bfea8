"""The emitter: Python source written into a buffer, laid out the way `ruff format` lays it out.

Jinja's CodeGenerator in small (`write`, `writeline`, `indent`, `outdent`),
and `FileWriter`, which lays out one generated file: the header, the helper
classes, the block classes, the network class and the script entry point,
two blank lines apart. Lines stay within 88 characters, calls that do not fit
are exploded one argument a line with a trailing comma, so the file passes
`ruff format --check` under any line length from 88 up.
"""

from __future__ import annotations

import re

from .._version import __version__
from ..checker.checked import CheckedNetwork
from ..units import fmt_shape
from .classes import BlockClass
from .helpers import HELPERS, NEEDS_F
from .lower import Body
from .names import comment_text
from .torch_rules import py

#: Longest line written; ruff's default, so a file checked anywhere passes.
LINE_LENGTH = 88
#: `x = <call>` or `a, b = <call>`: a statement whose call may be exploded.
_ASSIGNMENT = re.compile(r"^([A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)* = )([A-Za-z_][\w.]*\(.*)$")


class Emitter:
    """Writes Python source into a buffer, Jinja's CodeGenerator in small."""

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self.level = 0

    def write(self, text: str) -> None:
        self.buffer.append(text)

    def writeline(self, text: str = "") -> None:
        self.write(f"{'    ' * self.level}{text}\n" if text else "\n")

    def indent(self) -> None:
        self.level += 1

    def outdent(self) -> None:
        self.level -= 1

    def source(self) -> str:
        return "".join(self.buffer)

    # ---- layout ruff agrees with
    def call_line(self, head: str, call: str) -> None:
        """`head` + `call`; exploded one argument a line, with a trailing
        comma (which keeps ruff from joining it), when it does not fit."""
        if len(head + call) + 4 * self.level <= LINE_LENGTH:
            self.writeline(head + call)
            return
        function, arguments = _split_call(call)
        self.exploded(f"{head}{function}(", arguments, ")")

    def commented(self, code: str, note: str) -> None:
        """A line with a trailing comment, or the comment above it when the two
        would not fit on one line."""
        if not note:
            self.statement(code)
        elif len(f"{code}  # {note}") + 4 * self.level <= LINE_LENGTH:
            self.writeline(f"{code}  # {note}")
        else:
            self.writeline(f"# {note}")
            self.statement(code)

    def statement(self, code: str) -> None:
        """One statement, exploded as ruff would when it does not fit: `a = f(...)` one
        argument a line, `return a, b, ...` one value a line (trailing commas keep it so)."""
        if len(code) + 4 * self.level <= LINE_LENGTH:
            self.writeline(code)
            return
        if code.startswith("return ") and "," in code:
            self.exploded("return (", [value.strip() for value in code[len("return "):].split(",")], ")")
            return
        assignment = _ASSIGNMENT.match(code)
        if assignment and assignment.group(2).endswith(")"):
            self.call_line(assignment.group(1), assignment.group(2))
            return
        self.writeline(code)

    def exploded(self, opening: str, items: list[str], closing: str) -> None:
        self.writeline(opening)
        self.indent()
        for item in items:
            self.writeline(f"{item},")
        self.outdent()
        self.writeline(closing)

    def signature(self, params: list[str]) -> None:
        args = ["self", *(f"{p}: int" for p in params)]
        line = f"def __init__({', '.join(args)}) -> None:"
        if len(line) + 4 * self.level <= LINE_LENGTH:
            self.writeline(line)
            return
        self.writeline("def __init__(")
        self.indent()
        for arg in args:
            self.writeline(f"{arg},")
        self.outdent()
        self.writeline(") -> None:")


def _split_call(text: str) -> tuple[str, list[str]]:
    """`f(a, g(b, c), k=1)` -> ("f", ["a", "g(b, c)", "k=1"])."""
    opening = text.index("(")
    depth, start, parts = 0, opening + 1, []
    for i in range(opening, len(text)):
        char = text[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                parts.append(text[start:i].strip())
                break
        elif char == "," and depth == 1:
            parts.append(text[start:i].strip())
            start = i + 1
    return text[:opening], [p for p in parts if p]


class FileWriter(Emitter):
    """Lays out one generated file: header, helpers, block classes, the
    network class, and the script entry point, two blank lines apart."""

    def __init__(self, network: CheckedNetwork, spec: str):
        super().__init__()
        self.network = network
        self.spec = spec

    def write_file(self, name: str, top: Body, classes: list[BlockClass]) -> str:
        helpers = _helpers_used([top, *(c.scope for c in classes)])
        self.header(helpers)
        for helper in helpers:
            self.top_level()
            self.write(HELPERS[helper].strip("\n") + "\n")
        for cls in classes:
            self.top_level()
            self.block_class(cls)
        self.top_level()
        self.network_class(name, top)
        self.top_level()
        self.main(name, [s for s in top.sides if s not in top.training])
        return self.source()

    def top_level(self) -> None:
        self.writeline()
        self.writeline()

    def header(self, helpers: list[str]) -> None:
        network = self.network
        self.writeline(f"# Generated by archc {__version__} from {self.spec}; edit the spec, then rebuild.")
        params = ", ".join(f"{k}={v!r}" for k, v in network.params_values.items())
        if params:
            self.writeline(f"# Parameters: {comment_text(params)}")
        self.writeline(f'"""{network.name}: {fmt_shape(network.input)} -> {fmt_shape(network.output)}, '
                       f"{network.params:,} parameters, {network.macs:,} MACs.")
        self.writeline()
        self.writeline("Standalone: it needs torch only. Run it to build the network and pass a")
        self.writeline("zero input through it.")
        self.writeline('"""')
        self.writeline()
        self.writeline("import torch")
        if any(h in NEEDS_F for h in helpers):
            self.writeline("import torch.nn.functional as F")
        self.writeline("from torch import nn")

    def block_class(self, cls: BlockClass) -> None:
        uses = len(cls.instances)
        self.writeline(f"class {cls.name}(nn.Module):")
        self.indent()
        what = f"The {cls.instances[0].label} block" if cls.instances[0].label else "A repeated block"
        self.writeline(f'"""{what}, used {uses} time{"s" * (uses != 1)}."""')
        self.writeline()
        self.signature(cls.params)
        self.indent()
        self.writeline("super().__init__()")
        start = 0
        for sub in cls.scope.subs:
            text, start = cls.template(sub, start)
            self.call_line(f"self.{sub.name} = ", text)
        self.outdent()
        self.forward(cls.scope.lines, _agreed_notes(cls), cls.scope.sides, cls.scope.training)
        self.outdent()

    def network_class(self, name: str, top: Body) -> None:
        network = self.network
        self.writeline(f"class {name}(nn.Module):")
        self.indent()
        summary = f"{network.name}: {fmt_shape(network.input)} -> {fmt_shape(network.output)}."
        if top.sides:
            self.writeline(f'"""{summary}')
            self.writeline()
            shapes = ", ".join(map(fmt_shape, network.side_outputs))
            what = "side outputs" if len(top.sides) > 1 else "side output"
            self.writeline(f"forward returns a tuple: the output, then the {what} ({shapes}).")
            if top.training:
                self.writeline("In evaluation, those of training only are left out (the output alone if all are).")
            self.writeline('"""')
        else:
            self.writeline(f'"""{summary}"""')
        self.writeline()
        self.writeline(f"input_shape = {py(tuple(network.input or ()))}")
        self.writeline(f"input_dtype = {'torch.long' if takes_token_ids(network) else 'torch.float32'}")
        self.writeline()
        self.writeline("def __init__(self) -> None:")
        self.indent()
        self.writeline("super().__init__()")
        for sub in top.subs:
            self.call_line(f"self.{sub.name} = ", sub.text())
        self.outdent()
        self.forward(top.lines, [note for _, note in top.lines], top.sides, top.training, top=True)
        self.outdent()

    def forward(self, lines: list[tuple[str, str]], notes: list[str], sides: list[str],
                training: set[str] | None = None, top: bool = False) -> None:
        """forward: the main output alone, or a tuple of it and the side outputs.
        A block returns its side outputs of training only as None in evaluation;
        the network leaves them out there (torchvision's Inception and GoogLeNet)."""
        training = training or set()
        always = [s for s in sides if s not in training]
        if not sides:
            returns = "torch.Tensor"
        elif not training:
            returns = "tuple[torch.Tensor, ...]"
        elif top:
            returns = "torch.Tensor | tuple[torch.Tensor, ...]"
        else:
            returns = "tuple[torch.Tensor | None, ...]"
        self.writeline()
        self.writeline(f"def forward(self, x: torch.Tensor) -> {returns}:")
        self.indent()
        for (code, _), note in zip(lines, notes):
            self.commented(code, note)
        if top and training:  # the main path ends in x in every scope
            self.writeline("if self.training:")
            self.indent()
            self.statement(f"return {', '.join(['x', *sides])}")
            self.outdent()
            self.statement(f"return {', '.join(['x', *always])}")
        else:
            self.statement(f"return {', '.join(['x', *sides])}")
        self.outdent()

    def main(self, name: str, sides: list[str]) -> None:
        self.writeline('if __name__ == "__main__":')
        self.indent()
        self.writeline(f"model = {name}().eval()")
        self.writeline("x = torch.zeros(1, *model.input_shape, dtype=model.input_dtype)")
        self.writeline("with torch.no_grad():")
        self.indent()
        targets = ["y", *sides]
        if len(f"{', '.join(targets)} = model(x)") + 4 * self.level <= LINE_LENGTH:
            self.writeline(f"{', '.join(targets)} = model(x)")
        else:
            self.exploded("(", targets, ") = model(x)")
        self.outdent()
        self.writeline("count = sum(p.numel() for p in model.parameters())")
        self.writeline(f'print(f"{self.network.name}: output {{tuple(y.shape[1:])}}, {{count:,}} parameters")')
        for side in sides:
            self.writeline(f'print(f"side output {side}: {{tuple({side}.shape[1:])}}")')
        self.outdent()


def _agreed_notes(cls: BlockClass) -> list[str]:
    """FILE:LINE comments for a block's forward: kept where every use agrees."""
    columns = zip(*([note for _, note in i.scope.lines] for i in cls.instances))
    return [c[0] if len(set(c)) == 1 else "" for c in columns]


def takes_token_ids(network: CheckedNetwork) -> bool:
    """Whether the input is a sequence of token ids (a LongTensor): it is
    when the network embeds them."""
    return any(row.layer.kind.reads_tokens for row in network.rows)


def _helpers_used(scopes: list[Body]) -> list[str]:
    """The helpers (classes and tables) the constructors name, in HELPERS order."""
    used = {m.group(0) for s in scopes for sub in s.subs if isinstance(sub.ctor, str)
            for m in re.finditer(r"\b[A-Za-z_]\w*\b", sub.ctor)}
    return [h for h in HELPERS if h in used]
