"""Every shipped architecture checks to its published figure (shared/reference/figures.md).

One table, one row per (file, parameters): the timm pattern of a single test
parametrized over every model. A file added to architectures/ without a row
here fails `test_every_file_has_a_figure`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARCHITECTURES, ARCHITECTURES_DIR

import archlang

# file, -D parameters, params, output shape, MACs (None: no published figure to hold it to)
FIGURES = [
    ("lenet5", {}, 61_706, (10,), None),
    ("alexnet", {}, 60_965_224, (1000,), None),
    ("alexnet", {"groups": 1}, 62_378_344, (1000,), None),
    ("vgg11", {}, 132_863_336, (1000,), None),
    ("vgg11", {"bn": True}, 132_868_840, (1000,), None),
    ("vgg11_lrn", {}, 132_863_336, (1000,), None),
    ("vgg13", {}, 133_047_848, (1000,), None),
    ("vgg13", {"bn": True}, 133_053_736, (1000,), None),
    ("vgg16c", {}, 133_638_952, (1000,), None),
    ("vgg16", {}, 138_357_544, (1000,), 15_470_264_320),
    ("vgg16", {"bn": True}, 138_365_992, (1000,), 15_470_264_320),
    ("vgg19", {}, 143_667_240, (1000,), None),
    ("vgg19", {"bn": True}, 143_678_248, (1000,), None),
    ("alphago_policy", {}, 3_882_793, (361,), None),
    ("alphago_policy", {"k": 128}, 1_777_641, (361,), None),
    ("alphago_policy", {"k": 256}, 6_798_953, (361,), None),
    ("alphago_policy", {"k": 384}, 15_064_297, (361,), None),
    ("mnist_keras", {}, 137_660, (10,), None),
    ("mnist_tf", {}, 421_642, (10,), None),
    ("xor_sigmoid", {}, 261, (1,), None),
    ("xor_relu", {}, 261, (1,), None),
    ("bottleneck_direct", {}, 175_000, (125, 100, 100), None),
    ("bottleneck_1x1", {}, 89_068, (125, 100, 100), None),
    # torchvision's published counts (resnet*, inception_v3) and GFLOPS (MACs)
    ("resnet18", {}, 11_689_512, (1000,), 1_814_073_344),
    ("resnet34", {}, 21_797_672, (1000,), 3_663_761_408),
    ("resnet50", {}, 25_557_032, (1000,), 4_089_184_256),
    ("resnet101", {}, 44_549_160, (1000,), 7_801_405_440),
    ("resnet152", {}, 60_192_808, (1000,), 11_513_626_624),
    ("inception_v3", {}, 23_834_568, (1000,), None),
    ("inception_v3", {"aux": True}, 27_161_264, (1000,), None),
    ("lenet5_1998", {}, 60_000, (10,), None),
    ("googlenet", {}, 6_998_552, (1000,), None),
    ("kim2014", {}, 5_990_402, (2,), None),
    ("deepface", {}, 118_923_774, (4030,), None),
    ("resnet_cifar", {}, 269_722, (10,), None),
]

# ResNet paper, Table 6: CIFAR-10 ResNets, parameters in millions as printed.
CIFAR_TABLE_6 = [(3, "0.27"), (9, "0.85"), (18, "1.7"), (200, "19.4")]

# VGG paper, Table 2: parameters in millions, rounded.
VGG_TABLE_2 = {"vgg11": 133, "vgg11_lrn": 133, "vgg13": 133, "vgg16c": 134, "vgg16": 138, "vgg19": 144}


def check(name: str, **params: object) -> archlang.CheckedNetwork:
    return archlang.check(ARCHITECTURES_DIR / f"{name}.arch", **params)


def _id(row: tuple) -> str:
    name, params = row[0], row[1]
    return name + "".join(f"-{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("row", FIGURES, ids=[_id(r) for r in FIGURES])
def test_published_figure(row: tuple) -> None:
    name, params, expected_params, output, macs = row
    network = check(name, **params)
    assert network.params == expected_params
    assert network.output == output
    if macs is not None:
        assert network.macs == macs
    assert not [d for d in network.diagnostics if d.is_error]


def test_every_file_has_a_figure() -> None:
    shipped = {p.stem for p in ARCHITECTURES}
    assert shipped == {row[0] for row in FIGURES}


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_file_names_its_source(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# ") and len(first) > 20


@pytest.mark.parametrize("name, millions", VGG_TABLE_2.items())
def test_vgg_table_2(name: str, millions: int) -> None:
    assert round(check(name).params / 1e6) == millions


def shapes(network: archlang.CheckedNetwork, kinds: set[str]) -> list[str]:
    return [archlang.fmt_shape(r.layer.out_shape) for r in network.rows if r.layer.kind.name in kinds]


def test_alexnet_shapes() -> None:
    network = check("alexnet")
    assert shapes(network, {"conv", "maxpool", "lrn"}) == [
        "96@55x55", "96@27x27", "96@27x27", "256@27x27", "256@13x13", "256@13x13",
        "384@13x13", "384@13x13", "256@13x13", "256@6x6",
    ]


def test_alexnet_at_224_drops_a_pixel() -> None:
    text = (ARCHITECTURES_DIR / "alexnet.arch").read_text().replace("3@227x227", "3@224x224")
    first = archlang.check(text).warnings[0]
    assert (first.code, first.line, first.col) == ("W301", 10, 1)
    assert "last 1 pixel of each row" in first.message
    assert "(224 + 2*0 - 11) mod 4 = 1" in first.hint


def test_mnist_keras_shapes_as_in_the_seed() -> None:
    network = check("mnist_keras")
    assert shapes(network, {"conv", "maxpool", "flatten"}) == ["25@26x26", "25@13x13", "50@11x11", "50@5x5", "1250"]


def test_mnist_tf_shapes_as_in_the_seed() -> None:
    network = check("mnist_tf")
    assert shapes(network, {"maxpool", "flatten"}) == ["32@14x14", "64@7x7", "3136"]


def test_bottleneck_output_is_100x100_not_the_slides_96x96() -> None:
    network = check("bottleneck_direct")
    assert [r.layer.in_shape for r in network.rows] == [(56, 100, 100)]
    assert network.output == (125, 100, 100)


def test_vgg16_flatten_is_shown_with_its_size() -> None:
    rows = check("vgg16").rows
    flatten = next(r for r in rows if r.layer.kind.name == "flatten")
    assert flatten.layer.implied and flatten.layer.in_shape == (512, 7, 7) and flatten.layer.out_shape == (25088,)


def test_vgg16_names_and_activations() -> None:
    rows = check("vgg16").rows
    assert [r.name for r in rows[:3]] == ["conv1_1", "conv1_2", "pool1"]
    assert [r.layer.display for r in rows if r.layer.kind.name == "fc"] == [
        "fc-4096 + relu", "fc-4096 + relu", "fc-1000",  # the output layer gets no default act
    ]


def test_vgg16_receptive_field() -> None:
    rows = check("vgg16").rows
    pool5 = next(r for r in rows if r.name == "pool5")
    assert pool5.rf == ((212, 212), (32, 32))


DESIGN_LINE = "[(conv3-64)*2, pool]*5, fc-4096"


def test_design_example_checks() -> None:
    network = archlang.check(f"network example\ninput 3@224x224\n{DESIGN_LINE}\n")
    assert network.params == 13_183_296
    assert network.output == (4096,)


def test_arrow_form_parses_and_checks() -> None:
    text = "input 3@32x32\n[(conv3-16 -> relu)*2 -> pool]*3 -> (fc-64 -> relu)*2 -> fc-10 -> softmax\n"
    network = archlang.check(text)
    kinds = [r.layer.kind.name for r in network.rows]
    assert kinds[:5] == ["conv", "relu", "conv", "relu", "maxpool"]
    assert network.output == (10,)
    # 16@4x4 flattens to 256: (256+1)*64 + 65*64 + 65*10
    convs = (27 + 1) * 16 + (144 + 1) * 16 + 2 * (2 * (144 + 1) * 16)
    assert network.params == convs + 257 * 64 + 65 * 64 + 65 * 10


@pytest.mark.parametrize("n, millions", CIFAR_TABLE_6)
def test_cifar_resnets_round_to_table_6(n: int, millions: str) -> None:
    params = check("resnet_cifar", n=n).params / 1e6
    decimals = len(millions.split(".")[1])
    assert f"{params:.{decimals}f}" == millions


def test_googlenet_output_sizes_and_inception_depths() -> None:
    network = check("googlenet")
    pools = [r.layer.out_shape[1] for r in network.rows if r.layer.kind.name in ("maxpool", "avgpool") and r.depth == 0]
    first = network.rows[0].layer.out_shape[1]
    assert [first, *pools] == [112, 56, 28, 14, 7, 1]
    depths = [r.layer.out_shape[0] for r in network.rows if r.layer.kind.name == "concat"]
    assert depths == [256, 480, 512, 512, 512, 528, 832, 832, 1024]


def test_googlenet_multiply_adds_are_about_one_and_a_half_billion() -> None:
    assert round(check("googlenet").macs / 1e9, 1) == 1.6  # the paper: "about 1.5 billion"


def test_inception_v3_stages() -> None:
    network = check("inception_v3")
    shapes = {archlang.fmt_shape(r.layer.out_shape) for r in network.rows if r.layer.kind.name == "concat" and r.depth == 0}
    assert {"288@35x35", "768@17x17", "1280@8x8", "2048@8x8"} <= shapes


def test_inception_v3_aux_is_a_side_output() -> None:
    assert check("inception_v3", aux=True).side_outputs == ((1000,),)
    assert check("inception_v3").side_outputs == ()


def test_kim2014_conv_parameters() -> None:
    convs = [r.layer.params for r in check("kim2014").rows if r.layer.kind.name == "conv"]
    assert sum(convs) == 360_300
    multichannel = [r.layer.params for r in check("kim2014", multichannel=True).rows if r.layer.kind.name == "conv"]
    assert sum(multichannel) == 720_300


def test_lenet5_1998_c3_has_1516_parameters() -> None:
    c3 = next(r for r in check("lenet5_1998").rows if r.layer.kind.name == "partialconv")
    assert c3.layer.params == 1_516 and c3.layer.out_shape == (16, 10, 10)


def test_deepface_shapes_and_share_of_l_and_f_layers() -> None:
    network = check("deepface")
    assert [archlang.fmt_shape(r.layer.out_shape) for r in network.rows if r.layer.kind.name == "local"] == [
        "16@55x55", "16@25x25", "16@21x21"]
    heavy = sum(r.layer.params for r in network.rows if r.layer.kind.name in ("local", "fc"))
    assert heavy / network.params > 0.95


def test_alphago_outputs_361_classes() -> None:
    assert check("alphago_policy").output == (361,)
