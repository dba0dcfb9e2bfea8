"""A Pygments lexer for archlang, so specs are highlighted in Sphinx, MkDocs, Jupyter and `pygmentize`.

    pip install archlang[highlight]
    pygmentize -l archlang architectures/vgg16.arch

Pygments finds it through the `pygments.lexers` entry point in pyproject.toml
(name `archlang`, alias `arch`, files `*.arch`). The module imports only
Pygments: not lark, not torch, and no other archlang module, so highlighting
never pays for the compiler. (Pygments loading it by its entry point still runs
the package's `__init__`, which imports the checker and lark.)

It reads the notation the way `grammars/archlang.lark` does, with states where
the grammar needs them: a name is a *layer* where a layer may stand (`conv3` in
`conv3-64`, `pool`), a *block call* when a `(` follows (`basic(64)`,
`dropout(0.5)`, `min(a, b)`), a *parameter* in counts, strides, values and
expressions (`c` in `conv3-c/s`), an *option key* before `=` (`p` in `p=1`),
and a *label* before `:`. A highlighter is not a checker: it marks `Error` only
a character no spec may hold (`$`) and a closing bracket with nothing open, and
leaves the rest to `archc check`.

Token types:

=====================================  ==============================================
`Comment.Single`                       `# ...`
`Keyword.Declaration`                  `network`, `def`
`Keyword.Namespace`                    `import`
`Keyword`                              `input act pad default side if else and or not`
`Keyword.Constant`                     `true`, `false`
`Name.Class`, `Name.Function`          the network's name; a def's name
`Name.Builtin`                         a layer (`conv3`, `conv1x7`, `fc`, `maxpool3`)
`Name.Function`                        a block or function call (`inception(...)`)
`Name.Builtin.Pseudo`                  the identity path `x` of `{x + f}`, `{x | g}`
`Name.Variable`                        a parameter (declared, or used in a count, ...)
`Name.Attribute`                       an option key (`p`, `act`, `shortcut`)
`Name.Label`                           a label (`c1` in `c1: conv11-96/4`)
`Name.Namespace`                       an imported library (`import resnet`)
`Name.Constant`                        `same`, `valid` after `pad`; `none` (`act=none`)
`Number.Integer`, `Number.Float`       `64`; `0.5`, `.5`, `1e-3`
`Number.Shape` (:data:`SHAPE`)         a literal input shape: `3@224x224`, `56`
`Operator`                             `- / * -> → | + : = == != <= >= < > // %`, `@`
`Punctuation`                          `, ( ) [ ] { }`
`String.Double`                        `"blocks.arch"`
=====================================  ==============================================
"""

from __future__ import annotations

from collections.abc import Iterator
from re import Match
from typing import ClassVar

from pygments.lexer import Lexer, RegexLexer, bygroups, default
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Token,
    Whitespace,
    _TokenType,
)

__all__ = ["SHAPE", "ArchlangLexer"]

#: A literal input shape such as `3@224x224`: a subtype of `Number`, so every
#: style colours it as a number unless it says otherwise.
SHAPE: _TokenType = Token.Literal.Number.Shape

# The grammar's tokens (grammars/archlang.lark), in ASCII as the grammar has them.
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
FLOAT = r"[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+"
INT = r"[0-9]+"
STRING = r'"[^"\n]*"'
#: A whole literal shape, not the start of an expression like `3@(res)x(res)`.
SHAPE_LITERAL = r"[0-9]+(?:@[0-9]+(?:x[0-9]+)*)?(?![A-Za-z0-9_@.(])"
#: What ends an item (a layer with its count, stride, options, condition) without being part of it.
ITEM_END = r"(?=[\n\])}])"
#: What ends a condition (`if k > 64`): the next item, path, or the end of the group or line.
CONDITION_END = r"(?=[\n\])},|]|->|→)"


def _nothing(lexer: Lexer, match: Match[str]) -> Iterator[tuple[int, _TokenType, str]]:
    """Emit no token: for the empty look-ahead matches that only leave a state."""
    del lexer, match  # the callback protocol passes them; an empty match has nothing to emit
    yield from ()


#: Spaces and comments, but not line breaks: those end a statement.
_SPACE = [
    (r"[ \t\f\r]+", Whitespace),
    (r"#[^\n]*", Comment.Single),
]

#: The tokens of expressions (`2*k`, `a if c else b`, `min(a, b) >= 3`) after their
#: state has handled what ends them: every name here is a parameter unless called.
_EXPRESSION = [
    (STRING, String.Double),
    (FLOAT, Number.Float),
    (INT, Number.Integer),
    (r"(?:true|false)\b", Keyword.Constant),
    (r"(?:if|else|and|or|not)\b", Keyword),
    (NAME + r"(?=[ \t]*\()", Name.Function),
    (NAME, Name.Variable),
    (r"\(", Punctuation, "args"),
    (r"==|!=|<=|>=|<|>|//|[-+*/%=]", Operator),
]

#: `key=value` options. `act=relu` names a layer; `act=none` does not.
_OPTION = [
    (r"(act)([ \t]*)(=)(?!=)([ \t]*)(?!none\b)(" + NAME + r")\b(?![ \t]*\()",
     bygroups(Name.Attribute, Whitespace, Operator, Whitespace, Name.Builtin)),
    (r"(" + NAME + r")([ \t]*)(=)(?!=)", bygroups(Name.Attribute, Whitespace, Operator), "value"),
]


class ArchlangLexer(RegexLexer):
    """Lexer for archlang network specifications (`*.arch`).

    The top of the state stack is where the lexer stands in a line: `item` where
    a layer may start, `tail` after it (its count, stride, options, arguments),
    `condition` after `if`. Below it, `line` (a top-level line, ended by its line
    break) or `group` (inside brackets, where a line break means "then" like
    `,`) decides what a line break and a closing bracket do: `item` and `tail`
    leave those to it by popping themselves without consuming anything.
    """

    name = "archlang"
    aliases: ClassVar[list[str]] = ["archlang", "arch"]
    filenames: ClassVar[list[str]] = ["*.arch"]
    mimetypes: ClassVar[list[str]] = ["text/x-archlang"]

    tokens: ClassVar[dict[str, list]] = {
        "root": [
            (r"\n", Whitespace),
            *_SPACE,
            (r"(network)([ \t]+)(" + NAME + r")", bygroups(Keyword.Declaration, Whitespace, Name.Class),
             "header"),
            (r"(def)([ \t]+)(" + NAME + r")", bygroups(Keyword.Declaration, Whitespace, Name.Function),
             "header"),
            (r"import\b", Keyword.Namespace, "import"),
            (r"input\b", Keyword, "input"),
            (r"act\b(?![ \t]*=)", Keyword, "act"),
            (r"pad\b(?![ \t]*=)", Keyword, "pad"),
            (r"default\b", Keyword, "default"),
            default("line"),
        ],
        # ---- statements ------------------------------------------------------------
        # After `network NAME` or `def NAME`: the parameter list, then for a def `=` and its body.
        "header": [
            *_SPACE,
            (r"\(", Punctuation, "params"),
            (r"=", Operator, ("#pop", "line")),
            (r"\n", Whitespace, "#pop"),
        ],
        # `(bn = false, k = 64)`: names declared here are parameters; defaults are expressions.
        "params": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r"\)", Punctuation, "#pop"),
            (r",", Punctuation),
            (r"(" + NAME + r")([ \t]*)(=)(?!=)", bygroups(Name.Variable, Whitespace, Operator)),
            *_EXPRESSION,
        ],
        "import": [
            *_SPACE,
            (r"\n", Whitespace, "#pop"),
            (STRING, String.Double),
            (NAME, Name.Namespace),
        ],
        # `input 3@224x224`, `input 56`, or with expressions: `input 3@(res)x(res)`, `input 3@res x res`.
        "input": [
            *_SPACE,
            (r"\n", Whitespace, "#pop"),
            (SHAPE_LITERAL, SHAPE),
            (r"@", Operator),
            # `x` between two dimensions, not a parameter called x: after a digit, `)`
            # or a space, and before a digit, `(` or a spaced name.
            (r"(?<=[0-9)\s])x(?=[ \t]*[0-9(]|[ \t]+[A-Za-z_])", Operator),
            *_EXPRESSION,
        ],
        # `act relu`, `act leakyrelu(0.1)`: the value is an activation layer.
        "act": [
            *_SPACE,
            (r"\n", Whitespace, "#pop"),
            (r"none\b", Name.Constant),
            (NAME + r"(?![ \t]*\()", Name.Builtin),
            *_EXPRESSION,
        ],
        "pad": [
            *_SPACE,
            (r"\n", Whitespace, "#pop"),
            (r"(?:same|valid)\b", Name.Constant),
            *_EXPRESSION,
        ],
        # `default conv maxpool bias=false`: layer kinds, then options for them.
        "default": [
            *_SPACE,
            (r"\n", Whitespace, "#pop"),
            *_OPTION,
            (NAME + r"(?![ \t]*\()", Name.Builtin),
            *_EXPRESSION,
        ],
        # One option's value: `1`, `-1`, `bn`, `true`, `(k//2)`, `leakyrelu(0.1)`.
        "value": [
            (r"[ \t]+", Whitespace),
            (r"-", Operator),
            (r"none\b", Name.Constant, "#pop"),
            (NAME + r"(?=[ \t]*\()", Name.Function, ("#pop", "call")),
            (r"(?:true|false)\b", Keyword.Constant, "#pop"),
            (NAME, Name.Variable, "#pop"),
            (FLOAT, Number.Float, "#pop"),
            (INT, Number.Integer, "#pop"),
            (STRING, String.Double, "#pop"),
            (r"\(", Punctuation, ("#pop", "args")),
            default("#pop"),
        ],
        # The argument list right after a called name in a value.
        "call": [
            (r"([ \t]*)(\()", bygroups(Whitespace, Punctuation), ("#pop", "args")),
            default("#pop"),
        ],
        # ---- sequences -------------------------------------------------------------
        # A top-level line of layers: its line break ends it.
        "line": [
            (r"\n", Whitespace, "#pop"),
            (r"[\])}]", Error),  # a closing bracket with nothing open
            default("item"),
        ],
        # Inside [ ], ( ) or { }: a line break separates items like `,`; the closing bracket ends it.
        "group": [
            (r"\n", Whitespace, "item"),
            (r"[\])}]", Punctuation, "#pop"),
            default("item"),
        ],
        # Where a layer, block call, group, label or path may start.
        "item": [
            *_SPACE,
            (ITEM_END, _nothing, "#pop"),
            (r"(side)([ \t]*)(\[)", bygroups(Keyword, Whitespace, Punctuation), ("#pop", "tail", "group")),
            # The identity path: `{x + f}`, gating `{x * gap, ...}`, `{x | g}`.
            (r"(x)([ \t]*)([+*|])", bygroups(Name.Builtin.Pseudo, Whitespace, Operator)),
            (r"x(?=[ \t]*\})", Name.Builtin.Pseudo, ("#pop", "tail")),
            (r"(" + NAME + r")([ \t]*)(:)", bygroups(Name.Label, Whitespace, Operator)),
            (NAME + r"(?=[ \t]*\()", Name.Function, ("#pop", "tail")),
            (NAME, Name.Builtin, ("#pop", "tail")),
            (r"[\[({]", Punctuation, ("#pop", "tail", "group")),
            # Separators at the start of a line inside brackets: `| conv1-r3 -> ...`.
            (r"->|→|[|+]", Operator),
            (r",", Punctuation),
            default(("#pop", "tail")),
        ],
        # After a layer or a group: count, stride, repeat, arguments, options, `if`.
        "tail": [
            *_SPACE,
            (ITEM_END, _nothing, "#pop"),
            (r"->|→|[|+]", Operator, ("#pop", "item")),
            (r",", Punctuation, ("#pop", "item")),
            (r"if\b", Keyword, "condition"),
            *_OPTION,
            (r"[\[{]", Punctuation, "group"),  # a missing `,`: read on as a group, not as an error
            *_EXPRESSION,
        ],
        # `lrn if k > 64`, `{...} if multichannel`: an expression up to the next item.
        "condition": [
            *_SPACE,
            (CONDITION_END, _nothing, "#pop"),
            *_EXPRESSION,
        ],
        # Inside ( ) of arguments or an expression: `inception(64, 96)`, `fc-(2*k)`, `dropout(p=0.5)`.
        "args": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r"\)", Punctuation, "#pop"),
            (r"(?=[\]}])", _nothing, "#pop"),  # a bracket closed early: leave it to the group
            (r",", Punctuation),
            (r"(" + NAME + r")([ \t]*)(=)(?!=)", bygroups(Name.Attribute, Whitespace, Operator)),
            *_EXPRESSION,
        ],
    }

    def analyse_text(text: str) -> float:  # Pygments makes it a static method: no self
        """How sure a spec without a file name is archlang: a network line or a shape with `@`."""
        score = 0.0
        for line in text.splitlines():
            word = line.split(maxsplit=1)[:1]
            if word == ["network"] or (word == ["input"] and "@" in line):
                score += 0.3
        return min(score, 0.9)
