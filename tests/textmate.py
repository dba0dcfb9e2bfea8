"""A small TextMate grammar tokenizer, so the tests can run the VS Code grammar from Python.

It applies a grammar the way TextMate and vscode-textmate do, for the part of
the format `editors/vscode/syntaxes/archlang.tmLanguage.json` uses:

- rules with `match` (and `captures`), or with `begin`/`end` (and
  `beginCaptures`, `endCaptures`, or `captures` for both), with `name`,
  `contentName` and nested `patterns`;
- `include` of `#name` (a repository item), `$self` and `$base` (the
  grammar's top-level patterns; there is only one grammar here);
- rules that only group `patterns`, expanded in place.

Matching follows TextMate: a line is matched from left to right; at each
position every rule of the current context is searched from there, and the
match that *starts earliest* wins, a tie going to the rule listed first. Inside
a begin/end rule its `end` is tried before its patterns, so it wins ties (no
`applyEndPatternLast`). Regions carry over from one line to the next; a
`match` never spans lines. Each line is matched with a `\\n` after it, as
vscode-textmate does, so `$` and `\\s` see the line break.

Regexes are compiled with Python's `re`, which shares most of its syntax with
Oniguruma (the engine of VS Code); a regex that Python cannot compile raises
`GrammarError` naming the rule. Anything else in a rule (`while`, injections,
back-references in `end`, `patterns` inside captures) also raises
`GrammarError` rather than being silently ignored.

Checked once by hand against the real thing (vscode-textmate 9.3.2 with
vscode-oniguruma 2.0.1, under Node): on every input of test_highlighting.py and
3,000 random texts, both gave every character the same scopes. The tests
themselves need no Node.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

Rule = dict[str, Any]

#: The keys this tokenizer understands; a grammar using others is refused, not misread.
RULE_KEYS = {"comment", "name", "contentName", "match", "captures", "begin", "end", "beginCaptures",
             "endCaptures", "patterns", "include"}
CAPTURE_KEYS = {"name", "comment"}
GRAMMAR_KEYS = {"$schema", "name", "scopeName", "fileTypes", "comment", "patterns", "repository", "uuid"}


class GrammarError(Exception):
    """The grammar uses something this tokenizer cannot apply, or loops, or has a bad regex."""


@dataclasses.dataclass(frozen=True)
class Token:
    """A run of characters of one line that carry the same scopes (outermost first)."""

    text: str
    scopes: tuple[str, ...]


@dataclasses.dataclass
class _Frame:
    """An open begin/end region (or the grammar itself, at the bottom of the stack)."""

    rule: Rule | None
    end: re.Pattern[str] | None
    scopes: tuple[str, ...]  # of its content: the outer scopes, its name, its contentName
    outer: tuple[str, ...]  # of its begin and end: the outer scopes and its name
    patterns: list[Rule]


class Grammar:
    """A TextMate grammar loaded from its JSON: `Grammar(json.loads(text)).tokenize(source)`."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Check every rule and compile every regex up front, so a bad grammar fails before any text."""
        unknown = set(data) - GRAMMAR_KEYS
        if unknown:  # injections, firstLineMatch, ...: not applied here, so not silently skipped either
            raise GrammarError(f"grammar: unsupported keys {sorted(unknown)}")
        self.data = data
        self.scope_name: str = data["scopeName"]
        self.repository: dict[str, Rule] = data.get("repository", {})
        self._regexes: dict[tuple[int, str], re.Pattern[str]] = {}
        self._flat: dict[int, list[Rule]] = {}
        #: What `$self` includes: the grammar's top-level patterns, as one group.
        self._self: Rule = {"patterns": data.get("patterns", [])}
        self._check(data.get("patterns", []), "patterns")
        for key, rule in self.repository.items():
            self._check([rule], f"repository.{key}")

    def _check(self, rules: list[Rule], where: str) -> None:
        """Refuse what this tokenizer does not implement; compile the regexes."""
        for index, rule in enumerate(rules):
            here = f"{where}[{index}]"
            unknown = set(rule) - RULE_KEYS
            if unknown:
                raise GrammarError(f"{here}: unsupported keys {sorted(unknown)}")
            if "include" in rule and not re.fullmatch(r"#[\w.-]+|\$self|\$base", rule["include"]):
                raise GrammarError(f"{here}: unsupported include {rule['include']!r} (only #name, $self, "
                                   "$base)")
            if rule.get("include", "").startswith("#") and rule["include"][1:] not in self.repository:
                raise GrammarError(f"{here}: include {rule['include']!r} is not in the repository")
            if ("begin" in rule) != ("end" in rule):
                raise GrammarError(f"{here}: a rule needs both begin and end")
            if "end" in rule and re.search(r"\\[1-9]", rule["end"]):
                raise GrammarError(f"{here}: back-references in end are not supported")
            for key in ("match", "begin", "end"):
                if key in rule:
                    self._regex(rule, key, f"{here}.{key}")
            for key in ("captures", "beginCaptures", "endCaptures"):
                for group, capture in rule.get(key, {}).items():
                    if not group.isdigit() or set(capture) - CAPTURE_KEYS:
                        raise GrammarError(f"{here}.{key}.{group}: only numbered captures with a name")
            self._check(rule.get("patterns", []), f"{here}.patterns")

    def _regex(self, rule: Rule, key: str, where: str = "") -> re.Pattern[str]:
        """The compiled regex of a rule's `match`, `begin` or `end`."""
        cached = self._regexes.get((id(rule), key))
        if cached is None:
            try:
                cached = re.compile(rule[key])
            except re.error as error:
                raise GrammarError(f"{where or key}: regex {rule[key]!r} does not compile in Python re: "
                                   f"{error}") from error
            self._regexes[(id(rule), key)] = cached
        return cached

    def _flatten(self, rules: list[Rule]) -> list[Rule]:
        """The rules to try, in order: includes resolved and pattern-only groups expanded in place."""
        key = id(rules)
        if key not in self._flat:
            out: list[Rule] = []
            self._expand(rules, out, set())
            self._flat[key] = out
        return self._flat[key]

    def _expand(self, rules: list[Rule], out: list[Rule], seen: set[int]) -> None:
        """Append the matching rules of `rules` to `out`; `seen` stops a group that includes itself."""
        for rule in rules:
            if "include" in rule:
                target = rule["include"]
                rule = self._self if target in ("$self", "$base") else self.repository[target[1:]]
            if "match" in rule or "begin" in rule:
                out.append(rule)
            elif id(rule) not in seen:  # a group already being expanded further up adds nothing new
                self._expand(rule.get("patterns", []), out, seen | {id(rule)})

    def tokenize(self, text: str) -> list[list[Token]]:
        """Tokens of each line of `text`, regions carrying over from line to line."""
        base = (self.scope_name,)
        root = _Frame(None, None, base, base, self._flatten(self._self["patterns"]))
        stack = [root]
        return [self._line(line, stack, number) for number, line in enumerate(text.split("\n"), 1)]

    def _line(self, line: str, stack: list[_Frame], number: int) -> list[Token]:
        """Tokenize one line (a line break added), updating `stack` in place."""
        line += "\n"
        scopes: list[tuple[str, ...]] = [()] * len(line)
        pos = 0
        seen: set[tuple[int, int, int]] = set()  # (position, depth, rule) since the last step forward
        while pos < len(line):
            frame = stack[-1]
            best: tuple[re.Match[str], Rule | None] | None = None
            if frame.end is not None:
                found = frame.end.search(line, pos)
                if found:
                    best = (found, None)
            for rule in frame.patterns:
                found = self._regex(rule, "match" if "match" in rule else "begin").search(line, pos)
                if found and (best is None or found.start() < best[0].start()):
                    best = (found, rule)
            if best is None:
                self._fill(scopes, pos, len(line), frame.scopes)
                break
            found, rule = best
            self._fill(scopes, pos, found.start(), frame.scopes)
            if rule is None:  # the region's end
                assert frame.rule is not None
                ends = frame.rule.get("endCaptures", frame.rule.get("captures"))
                self._capture(scopes, found, frame.outer, ends)
                stack.pop()
            elif "match" in rule:
                self._capture(scopes, found, frame.scopes + _names(rule, "name"), rule.get("captures"))
            else:
                outer = frame.scopes + _names(rule, "name")
                self._capture(scopes, found, outer, rule.get("beginCaptures", rule.get("captures")))
                content = outer + _names(rule, "contentName")
                stack.append(_Frame(rule, self._regex(rule, "end"), content, outer,
                                    self._flatten(rule.get("patterns", []))))
            if found.end() > pos:
                pos = found.end()
                seen.clear()
            else:
                # An empty match moves nothing: fine once (a look-ahead end pops its region), but
                # the same rule at the same place and depth again would never end.
                state = (pos, len(stack), id(rule))
                if state in seen:
                    raise GrammarError(f"line {number}, column {pos + 1}: the grammar loops on an empty "
                                       f"match of {rule!r}")
                seen.add(state)
        return list(_runs(line, scopes))

    @staticmethod
    def _fill(scopes: list[tuple[str, ...]], start: int, end: int, value: tuple[str, ...]) -> None:
        """Give the characters from `start` to `end` the scopes `value`."""
        scopes[start:end] = [value] * (end - start)

    @staticmethod
    def _capture(scopes: list[tuple[str, ...]], found: re.Match[str], base: tuple[str, ...],
                 captures: dict[str, dict[str, str]] | None) -> None:
        """Scope a match: `base` on all of it, then each named capture group on top.

        Groups are numbered by their opening parenthesis, so a group inside
        another comes later and its name lands inside the outer one's.
        """
        Grammar._fill(scopes, found.start(), found.end(), base)
        for group, capture in sorted((captures or {}).items(), key=lambda item: int(item[0])):
            index = int(group)
            if "name" in capture and index <= (found.re.groups or 0) and found.start(index) != -1:
                for i in range(found.start(index), found.end(index)):
                    scopes[i] = scopes[i] + (capture["name"],)


def _names(rule: Rule, key: str) -> tuple[str, ...]:
    """A rule's `name` or `contentName` as scopes (a name may hold several, space-separated)."""
    return tuple(rule[key].split()) if key in rule else ()


def _runs(line: str, scopes: list[tuple[str, ...]]) -> Iterator[Token]:
    """Join neighbouring characters with the same scopes into tokens."""
    start = 0
    for i in range(1, len(line) + 1):
        if i == len(line) or scopes[i] != scopes[start]:
            yield Token(line[start:i], scopes[start])
            start = i
