"""The README's sample output is what archc prints (issue 14, point 7).

Every `$ archc check ...` in a code block of README.md is run, from the
repository (or, when the block `cat`s a file first, from a folder holding
that file), and its standard output and error must be the lines the README
shows under it. A line `...` stands for lines left out: the lines before the
first `...` start the output, those after the last one end it (unless the
block ends in `...`), and those between appear in order.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, archc_in_process

import archlang

README = (ROOT / "README.md").read_text(encoding="utf-8")
ELLIPSIS = "..."


@dataclass
class Sample:
    """One `$ archc check` of the README: its arguments, the lines shown under it,
    and the files the block wrote with `$ cat` before it."""

    args: list[str]
    shown: list[str]
    files: dict[str, str] = field(default_factory=dict)


def _samples() -> list[Sample]:
    samples = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE):
        files: dict[str, str] = {}
        commands = re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]
        for command in commands:
            line, _, output = command.partition("\n")
            words = shlex.split(line)
            if words[0] == "cat":
                files[words[1]] = output
            elif words[:2] == ["archc", "check"]:
                samples.append(Sample(words[2:], output.rstrip("\n").split("\n"), dict(files)))
    return samples


SAMPLES = _samples()


def _segments(shown: list[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for line in shown:
        if line == ELLIPSIS:
            segments.append([])
        else:
            segments[-1].append(line)
    return segments


def matches(shown: list[str], real: list[str]) -> bool:
    """Whether `real` is the output `shown` describes, `...` standing for lines left out."""
    segments = _segments(shown)
    if len(segments) == 1:
        return shown == real
    first, *middle, last = segments
    if real[:len(first)] != first or (last and real[len(real) - len(last):] != last):
        return False
    at, end = len(first), len(real) - len(last)
    for segment in middle:
        found = next((i for i in range(at, end - len(segment) + 1) if real[i:i + len(segment)] == segment), None)
        if found is None:
            return False
        at = found + len(segment)
    return at <= end


def test_the_readme_has_samples_to_check() -> None:
    assert len(SAMPLES) >= 3
    assert ["architectures/vgg16.arch"] in [s.args for s in SAMPLES]
    assert any("--batch" in s.args for s in SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: " ".join(s.args))
def test_sample_output_is_what_archc_prints(sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sample.files:
        for name, text in sample.files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.chdir(ROOT)
    result = archc_in_process("check", *sample.args)
    real = (result.stdout + result.stderr).rstrip("\n").split("\n")
    assert matches(sample.shown, real), "\n".join(real)


def test_matching_leaves_out_only_what_dots_stand_for() -> None:
    real = ["a", "b", "c", "d", "e"]
    assert matches(["a", ELLIPSIS, "e"], real) and matches(["a", ELLIPSIS, "c", ELLIPSIS, "e"], real)
    assert matches(["a", "b", ELLIPSIS], real) and matches(real, real)
    assert not matches(["a", ELLIPSIS, "d"], real) and not matches(["b", ELLIPSIS], real)
    assert not matches(["a", ELLIPSIS, "x", ELLIPSIS, "e"], real) and not matches(["a", "b"], real)


def test_the_accounting_example_prints_what_it_says() -> None:
    """The Python lines of the README's accounting section, with the figures their comments give."""
    net = archlang.check(ROOT / "architectures" / "kim2014.arch", multichannel=True, batch=50, optimizer="adam")
    assert (net.trainable, net.frozen) == (6_350_402, 5_629_500)
    assert archlang.accounting.memory(net).training == 141_082_632
    assert "print(net.trainable, net.frozen)                      # 6350402 5629500" in README
    assert "print(archlang.accounting.memory(net).training)       # 141082632 bytes" in README
