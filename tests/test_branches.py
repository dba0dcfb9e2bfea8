"""Branches, residuals, blocks and imports: their diagnostics, and golden reports.

Golden files: tests/golden/check/NAME.arch is checked and its `archc check`
table compared with NAME.txt; run with ARCHLANG_UPDATE_GOLDEN=1 to rewrite
the .txt files after a deliberate change, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, GOLDEN_DIR

import archlang
from archlang.report import table

GOLDEN = GOLDEN_DIR / "check"

# spec text, code, line, col (the first error of the spec)
ERRORS = [
    ("input 3@32x32\n{conv3-8 | conv3-8/2}\n", "E310", 2, 1),
    ("input 3@32x32\n{x + conv3-8} shortcut=identity\n", "E311", 2, 1),
    ("input 16@32x32\n{x + conv3-8} shortcut=A\n", "E311", 2, 1),
    ("input 3@32x32\n{x + conv3-3} shortcut=Z\n", "E308", 2, 15),
    ("input 3@32x32\n{x + conv3-3} stride=2\n", "E202", 2, 15),
    ("def inception(a) = conv1-a\ninput 3@32x32\ninceptoin(3)\n", "E211", 3, 1),
    ("def blk(a, b = 2) = conv1-a\ninput 3@32x32\nblk(1, 2, 3)\n", "E212", 3, 1),
    ("def blk(a, b = 2) = conv1-a\ninput 3@32x32\nblk()\n", "E212", 3, 1),
    ("def blk(a, b = 2) = conv1-a\ninput 3@32x32\nblk(1, c=2)\n", "E212", 3, 8),
    ("def blk(a) = conv1-a\ninput 3@32x32\nblk-3\n", "E212", 3, 1),
    ("def f(a) = g(a)\ndef g(a) = f(a)\ninput 3@32x32\nf(1)\n", "E213", 2, 12),
    ("def f(a) = f(a)\ninput 3@32x32\nf(1)\n", "E213", 1, 12),
    ('import "no_such_file.arch"\ninput 3@32x32\n', "E215", 1, 1),
    ("import resnt\ninput 3@32x32\n", "E215", 1, 1),
    ("def f(a) = conv1-a\ndef f(b) = conv1-b\ninput 3@32x32\nf(1)\n", "E204", 2, 1),
    ("input 6@8x8\n{chunk(0, 4) | chunk(1, 4)}\n", "E303", 2, 2),
    ("input 6@8x8\n{chunk(0) | chunk(2)}\n", "E308", 2, 13),
    ("input 6@8x8\nshuffle(4)\n", "E303", 2, 1),
]


@pytest.mark.parametrize("text, code, line, col", ERRORS, ids=[f"{e[1]}-{i}" for i, e in enumerate(ERRORS)])
def test_branch_and_block_errors(text: str, code: str, line: int, col: int) -> None:
    with pytest.raises(archlang.ArchError) as caught:
        archlang.check(text)
    first = caught.value.errors[0]
    assert (first.code, first.line, first.col) == (code, line, col), first.format()


def test_concat_mismatch_names_each_path() -> None:
    with pytest.raises(archlang.ArchError) as caught:
        archlang.check("input 3@32x32\n{conv3-8\n | conv3-8/2}\n")
    hint = caught.value.errors[0].hint
    assert hint == "path 1 (2:2) gives 8@32x32; path 2 (3:4) gives 8@16x16"


def test_redefinition_points_at_the_other_party() -> None:
    with pytest.raises(archlang.ArchError) as caught:
        archlang.check("def f(a) = conv1-a\ndef f(b) = conv1-b\ninput 3@32x32\nf(1)\n")
    assert caught.value.errors[0].hint == "the other definition is at <string>:1"


def test_import_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.arch").write_text('import "b.arch"\ninput 3@8x8\nblk(4)\n')
    (tmp_path / "b.arch").write_text('import "a.arch"\ndef blk(c) = conv3-c\n')
    with pytest.raises(archlang.ArchError) as caught:
        archlang.check(tmp_path / "a.arch")
    error = caught.value.errors[0]
    assert (error.code, error.line, error.col) == ("E214", 1, 1)
    assert error.source is not None and error.source.name.endswith("b.arch")
    assert "a.arch -> b.arch -> a.arch" in error.message


def test_import_of_a_relative_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.arch").write_text("act relu\ndef pair(c) = conv3-c, conv3-c\n")
    (tmp_path / "net.arch").write_text('import "lib/blocks.arch"\ninput 3@8x8\npair(4), pair(8), fc-2\n')
    network = archlang.check(tmp_path / "net.arch")
    assert [r.name for r in network.rows][:2] == ["pair1.conv1", "pair1.conv2"]
    # the block's own file sets act relu; the network's file sets none
    assert network.rows[0].layer.act_name == "relu" and network.rows[-1].layer.act_name is None
    assert network.params == (27 * 4 + 4) + (36 * 4 + 4) + (36 * 8 + 8) + (72 * 8 + 8) + (8 * 64 + 1) * 2


def test_blocks_take_keyword_arguments_and_defaults() -> None:
    text = "def stage(c, n = 2, s = 1) = conv3-c/s, [conv3-c]*(n-1)\ninput 3@32x32\nstage(8, s=2), stage(16, n=3)\n"
    network = archlang.check(text)
    assert [archlang.fmt_shape(r.layer.out_shape) for r in network.rows] == [
        "8@16x16", "8@16x16", "16@16x16", "16@16x16", "16@16x16"]


def test_residual_activation_follows_the_sum() -> None:
    network = archlang.check("input 8@8x8\nact relu\n{x + conv3-8, conv3-8}\nfc-2\n")
    displays = [(r.depth, r.layer.display) for r in network.rows]
    assert displays[:3] == [(0, "add + relu"), (1, "conv3-8 + relu"), (1, "conv3-8")]


def test_projection_uses_bn_only_where_the_body_does() -> None:
    plain = archlang.check("input 8@8x8\n{x + conv3-16/2}\n").rows
    normed = archlang.check("input 8@8x8\n{x + conv3-16/2 bn=true}\n").rows
    assert [r.layer.params for r in plain if r.name == "shortcut"] == [8 * 16 + 16]
    assert [r.layer.params for r in normed if r.name == "shortcut"] == [8 * 16 + 2 * 16]


def test_receptive_field_is_the_largest_over_paths() -> None:
    network = archlang.check("input 3@32x32\n{conv1-4 | conv5-4 | conv3-4}\n")
    assert network.rows[0].rf == ((5, 5), (1, 1))


def test_side_output_leaves_the_main_path_unchanged() -> None:
    network = archlang.check("input 8@8x8\nside[gap, fc-3]\nconv3-8\n")
    assert network.side_outputs == ((3,),)
    assert network.output == (8, 8, 8)


def test_a_channel_split_and_a_shuffle_keep_the_shape_and_count_nothing() -> None:
    network = archlang.check("input 8@8x8\n{chunk(0) | chunk(1), conv1-4 bias=false}, shuffle(2)\n")
    assert [(row.layer.op, row.layer.out_shape) for row in network.rows] == [
        ("concat", (8, 8, 8)), ("chunk(0, 2)", (4, 8, 8)), ("chunk(1, 2)", (4, 8, 8)),
        ("conv1-4", (4, 8, 8)), ("shuffle(2)", (8, 8, 8))]
    assert (network.params, network.macs) == (16, 16 * 64)


def test_the_shuffle_interleaves_the_groups() -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build("input 6@1x1\nshuffle(2)\n")
    x = torch.arange(6.0).reshape(1, 6, 1, 1)
    assert model(x).flatten().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    split = archlang.build("input 6@1x1\n{chunk(2, 3) | chunk(0, 3)}\n")
    assert split(x).flatten().tolist() == [4.0, 5.0, 0.0, 1.0]


TRAINING_SIDES = ("input 4@8x8\nact relu\ndef blk(c) = conv3-c, side[gap, fc-2] train=true, conv1-c\n"
                  "side[gap, fc-3] train=true, blk(4), side[gap, fc-5], gap, fc-2\n")


def test_a_side_output_of_training_only_counts_its_parameters_not_its_macs() -> None:
    network = archlang.check(TRAINING_SIDES)
    assert network.side_outputs == ((3,), (2,), (5,))
    assert network.params == (4 * 3 + 3) + (9 * 4 * 4 + 4) + (4 * 2 + 2) + (4 * 4 + 4) + (4 * 5 + 5) + (4 * 2 + 2)
    assert network.train_macs == 4 * 3 + 4 * 2
    assert network.macs == 9 * 4 * 4 * 64 + 4 * 4 * 64 + 4 * 5 + 4 * 2
    assert "training adds 20 for its side outputs of training only" in table(network)
    assert [row.train for row in network.rows][:3] == [True, True, False]


def test_a_side_output_of_training_only_is_returned_in_training_alone() -> None:
    torch = pytest.importorskip("torch")
    model = archlang.build(TRAINING_SIDES)
    x = torch.randn(2, 4, 8, 8)
    assert [tuple(t.shape) for t in model.train()(x)] == [(2, 2), (2, 3), (2, 2), (2, 5)]
    main, kept = model.eval()(x)
    assert (tuple(main.shape), tuple(kept.shape)) == ((2, 2), (2, 5))
    alone = archlang.build("input 4@8x8\nside[gap, fc-3] train=true, gap, fc-2\n").eval()
    assert tuple(alone(x).shape) == (2, 2)


@pytest.mark.parametrize("text, code", [("side[gap] trian=true", "E202"), ("side[gap] train=3", "E308")])
def test_a_side_output_takes_only_train(text: str, code: str) -> None:
    with pytest.raises(archlang.ArchError) as caught:
        archlang.check(f"input 4@8x8\n{text}\n")
    assert [(e.code, e.line, e.col) for e in caught.value.errors] == [(code, 2, 11)]


def test_resnet_1202_checks_fast_enough_to_be_in_a_test() -> None:
    network = archlang.check(ARCHITECTURES_DIR / "resnet_cifar.arch", n=200)
    assert round(network.params / 1e6, 1) == 19.4


@pytest.mark.parametrize("spec", sorted(GOLDEN.glob("*.arch")), ids=lambda p: p.stem)
def test_golden_report(spec: Path) -> None:
    relative = spec.relative_to(Path.cwd()) if spec.is_relative_to(Path.cwd()) else spec
    text = table(archlang.check(relative)).replace(str(relative), spec.name) + "\n"
    expected = spec.with_suffix(".txt")
    if os.environ.get("ARCHLANG_UPDATE_GOLDEN"):
        expected.write_text(text)
    assert text == expected.read_text()
