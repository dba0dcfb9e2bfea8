"""Two backends, one answer: the built module and the interpreter compute the same outputs.

`archlang.build` runs the generated source; `archlang.interpret` runs the
checked tree with torch functions directly. Given the same tensors (the
module's state_dict, filled with random values), both must give the same
outputs for every kind, every shipped architecture and random specs. The
interpreter's own account of each layer's tensors must also match the
module's state_dict entry for entry: the order that loading weights by
structure relies on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import ARCHITECTURES, ARCHITECTURES_DIR

import archlang
from archlang import interpret, layers

#: For every kind of the table: a spec that uses it (the per-kind test fails for a kind without one).
EXAMPLES: dict[str, str] = {
    "conv": ("input 3@9x9\nconv3-4/2 p=1 g=1 d=1, conv3-8 g=2 bn=true act=relu, conv1x3-2 bias=false, "
             "conv3-4 bn=true bn_eps=0.5 bn_momentum=0.01"),
    "fc": "input 3@4x4\nfc-5 act=tanh, fc-3 bn=true act=relu, fc-2 bias=false",
    "local": "input 2@7x7\nlocal3-4/2, local2-3 bias=false",
    "maxpool": "input 3@9x9\nmaxpool3/2, maxpool2 ceil=true p=1",
    "avgpool": "input 3@9x9\navgpool3/2 p=1, avgpool2 ceil=true",
    "minpool": "input 3@8x8\nminpool2, minpool3/1 p=1",
    "l2pool": "input 3@8x8\nl2pool2, l2pool3/2",
    "gap": "input 3@5x5\ngap",
    "gmp": "input 3@5x7\ngmp",
    "flatten": "input 3@2x2\nflatten",
    "dropout": "input 3@4x4\ndropout(0.3)",
    "lrn": "input 8@4x4\nlrn",
    "batchnorm": "input 3@4x4\nbatchnorm, bn eps=0.001, batchnorm(0.5, 0.3)",
    "adaptiveavgpool": "input 3@9x7\nadaptiveavgpool4x3, adaptiveavgpool(7), adaptivepool2x5",
    "droppath": "input 4@4x4\nact relu\n{x + conv3-4, droppath(0.2)}, droppath(0.5, batch)",
    "layernorm": "input 4@5x3\nlayernorm, layernorm(1e-6), conv3-4, gap, ln eps=0.01",
    "pointwise": "input 4@5x3\npointwise-6 act=gelu, pointwise-3 bias=false, gap, pointwise-2",
    "patchembed": "input 3@8x6\npatchembed-6 patch=2, layernorm, patchembed2-4 if false",
    "attention": "input 3@8x8\npatchembed-8 patch=4, attention(2), attention(1), token(0)",
    "token": "input 3@8x8\npatchembed-4 patch=4, token(0), fc-2",
    "windowattention": ("input 8@9x7\nwindowattention(2) window=4 shift=2, windowattention(4) window=3, "
                        "windowattention(2) window=4 shift=2 v2=true, windowattention(1) w=9 shift=4"),
    "patchmerge": "input 4@7x6\npatchmerge, patchmerge v2=true, layernorm",
    "partitionattention": ("input 8@6x9\npartitionattention(2) size=3, adaptiveavgpool6x6, "
                           "partitionattention(4) size=2 grid=true, partitionattention(2) partition=3 grid=true"),
    "posbias": "input 3@4x4\nposbias",
    "embed": "input 7\nembed-5 vocab=11, conv3-4",
    "partialconv": "input 6@9x9\npartialconv5-16 table=lenet5 p=0",
    "subsample": "input 3@8x8\nact tanh\nsubsample2, subsample2 ceil=true, fc-2",
    "rbf": "input 6\nrbf-4",
    "zeropad": "input 4@8x8\n{x + conv3-8/2} shortcut=A",
    "relu": "input 3@4x4\nrelu",
    "leakyrelu": "input 3@4x4\nleakyrelu(0.2)",
    "elu": "input 3@4x4\nelu(0.7)",
    "tanh": "input 3@4x4\ntanh",
    "sigmoid": "input 3@4x4\nsigmoid",
    "softmax": "input 5\nsoftmax",
    "relu6": "input 3@4x4\nconv3-4 act=relu6, relu6",
    "silu": "input 3@4x4\nconv3-4 act=swish, silu",
    "hardswish": "input 3@4x4\nconv3-4 act=hardswish, hardswish",
    "hardsigmoid": "input 3@4x4\nconv3-4 act=hardsigmoid, hardsigmoid",
    "gelu": "input 6\nfc-4 act=gelu, gelu",
    "maxout": "input 6@4x4\nmaxout(3)",
    "chunk": "input 6@4x4\n{chunk(2, 3) | chunk(0, 3), conv3-2}, conv1-3",
    "shuffle": "input 6@4x4\nconv1-6, shuffle(3), conv1-4, shuffle, fc-2",
}

#: Branches, blocks, repeats and side outputs, in ways the shipped files do not all use.
STRUCTURES = [
    "input 8@8x8\nact relu\n{x + conv3-8, conv3-8}, {x + conv3-16/2 bn=true} shortcut=C",
    "input 8@8x8\nact relu\n{conv1-4 | conv3-4 | maxpool3/1 p=1 -> conv1-2}, gap, fc-3",
    "input 8@8x8\nact relu\ndef body(c) = conv1-c, conv1-c\n[{x + body(8)}]*2, [side[body(8)]]*2, gap, fc-2",
    "input 4@8x8\nact relu\ndef stage(c, n) = [conv3-c]*n, pool\nstage(8, 2), stage(16, 1), side[gap, fc-4], fc-3",
    "input 3@8x8\nact relu\n{x + conv3-3} shortcut=A, [conv3-6 if true, dropout]*2, {x + conv1-12/2} shortcut=A",
    # the zoo's joins: a gate (squeeze-and-excite), an identity path, a crop, two written paths added
    "input 8@8x8\nact relu\n{x * avgpool8, conv1-2, relu, conv1-8, sigmoid}, conv3-8",
    "input 4@8x8\nact relu\n[{x | conv3-4}]*3, {(conv1-8/2 act=none) + conv3-8/2, conv3-8 act=none}",
    "input 4@12x12\nact relu\npad valid\n{x | conv3-4, conv3-4} crop=true, {x | conv1-4, {x | conv3-2} crop=true} crop=true",
    # side outputs of training only (not returned in evaluation), one inside a block, one beside a kept one
    ("input 4@8x8\nact relu\ndef blk(c) = conv3-c, side[gap, fc-2] train=true, conv1-c\n"
     "side[conv1-2, gap, fc-3] train=true, blk(4), side[gap, fc-5], gap, fc-2"),
    # ShuffleNet V2's units: a channel split, and both branches of the input, each then shuffled
    ("input 8@8x8\nact relu\n[{chunk(0) | chunk(1), conv1-4, conv3-4 g=4 act=none, conv1-4}, shuffle(2)]*2, "
     "{conv3-8/2 g=8 act=none, conv1-4 | conv1-4, conv3-4/2 g=4 act=none}, shuffle(2), gap, fc-3"),
    # a layer scale: on a block of its own, before a droppath that ends the body; at the top level too
    ("input 4@6x6\ndef block(w) = {x + conv3-w g=w, layernorm, pointwise-(2 * w), gelu, pointwise-w, "
     "droppath(0.1)} scale=0.5\n[block(4)]*2, conv1-4, {x + conv1-4} scale=0.25, gap, {x + pointwise-4} scale=2"),
    # a post-norm (Swin V2): on a block of its own, before a droppath that ends the body; on a vector too
    ("input 8@8x8\ndef block(h, s) = {x + windowattention(h) window=4 shift=s v2=true, droppath(0.1)} postnorm=1e-5,\n"
     "  {x + pointwise-16, gelu, pointwise-8, droppath(0.1)} postnorm=0.01\n"
     "[block(2, 0), block(2, 2)], patchmerge v2=true, {x + conv1-16} postnorm=1e-5, gap, {x + pointwise-16} postnorm=1e-5"),
    ("input 3@8x8\nact relu\nlet w(c) = 4 * c\ndef same(k) = {x + conv1-(in_channels if k > 0 else 1)}\n"
    "[conv3-w(i + 1)]*3 as i, same(1)"),
]


@pytest.fixture(autouse=True)
def one_thread():
    """One thread: the interpreter makes thousands of small products (a locally
    connected layer's positions), and with two threads each waited ~16 ms for
    the other whenever a core was busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _fill(model: torch.nn.Module, seed: int) -> list[torch.Tensor]:
    """Random values in every tensor, in state_dict order: weights scaled by
    their fan-in so that deep networks stay finite, running variances positive."""
    generator = torch.Generator().manual_seed(seed)
    tensors = list(model.state_dict().values())
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            values = torch.randn(tensor.shape, generator=generator)
            if tensor.dim() >= 2:
                values /= max(1, tensor[0].numel()) ** 0.5
            elif name.endswith("running_var"):
                values = values.abs() * 0.5 + 0.5
            else:
                values = values * 0.5 + (1.0 if name.endswith("weight") else 0.0)
            tensor.copy_(values)
    return tensors


def _input(model: torch.nn.Module, network: archlang.CheckedNetwork, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed + 1)
    shape = (2, *model.input_shape)
    if model.input_dtype == torch.long:
        vocab = next(row.layer.opts["vocab"] for row in network.rows if row.layer.kind.reads_tokens)
        return torch.randint(0, vocab, shape, generator=generator)
    return torch.randn(shape, generator=generator)


def agree(spec: str | Path, seed: int = 0, **params: object) -> None:
    """Build, fill, run both backends, compare every output."""
    network = archlang.check(spec, **params)
    model = archlang.build(spec, **params).eval()
    tensors = _fill(model, seed)
    assert [tuple(t.shape) for t in tensors] == [tuple(s) for _, _, s in interpret.layout(network)]
    x = _input(model, network, seed)
    with torch.no_grad():
        built = model(x)
    oracle = interpret.interpret(network, tensors, x)
    built = built if isinstance(built, tuple) else (built,)
    oracle = oracle if isinstance(oracle, tuple) else (oracle,)
    assert len(built) == len(oracle)
    for b, o in zip(built, oracle):
        assert b.shape == o.shape
        scale = max(1.0, float(o.abs().max()))
        torch.testing.assert_close(b, o, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("kind", [k.name for k in layers.KINDS])
def test_every_kind_checks_builds_and_computes_alike(kind: str) -> None:
    """Check, build, run a forward pass: shape and parameter count as check
    says, and the same values as the interpreter."""
    assert kind in EXAMPLES, f"add an example of {kind} to EXAMPLES"
    spec = "network n\n" + EXAMPLES[kind] + "\n"
    network = archlang.check(spec)
    assert kind in {row.layer.kind.name for row in network.rows}, f"the example of {kind} does not use it"
    model = archlang.build(spec).eval()
    assert sum(p.numel() for p in model.parameters()) == network.params
    with torch.no_grad():
        y = model(_input(model, network, 0))
    assert tuple(y.shape[1:]) == network.output
    agree(spec)


@pytest.mark.parametrize("spec", STRUCTURES)
def test_structures_compute_alike(spec: str) -> None:
    agree("network n\n" + spec + "\n")


SMALL = ["lenet5", "lenet5_1998", "alexnet", "mnist_keras", "mnist_tf", "xor_relu", "xor_sigmoid",
         "bottleneck_1x1", "bottleneck_direct", "alphago_policy", "resnet_cifar", "resnet18", "kim2014"]
LARGE = ["vgg11", "vgg11_lrn", "vgg13", "vgg16", "vgg16c", "vgg19", "resnet34", "resnet50", "resnet101",
         "resnet152", "googlenet", "inception_v3", "deepface"]


def test_every_shipped_architecture_is_listed() -> None:
    assert sorted(SMALL + LARGE) == sorted(p.stem for p in ARCHITECTURES)


@pytest.mark.parametrize("name", SMALL)
def test_shipped_architectures_compute_alike(name: str) -> None:
    agree(ARCHITECTURES_DIR / f"{name}.arch")


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE)
def test_large_shipped_architectures_compute_alike(name: str) -> None:
    agree(ARCHITECTURES_DIR / f"{name}.arch")


@pytest.mark.parametrize(("name", "params"), [("alexnet", {"groups": 1}), ("vgg11", {"bn": True}),
                                               ("inception_v3", {"aux": True}), ("kim2014", {"multichannel": True}),
                                               ("resnet_cifar", {"n": 5})])
def test_variants_compute_alike(name: str, params: dict[str, object]) -> None:
    agree(ARCHITECTURES_DIR / f"{name}.arch", **params)


# ---- random specs ------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Layers that suit a spatial input (C@L or C@HxW), with small windows.
_SPATIAL = st.one_of(
    st.builds("conv{}-{}/{} p={}".format, st.sampled_from([1, 2, 3]), st.integers(1, 6), st.sampled_from([1, 2]),
              st.sampled_from(["same", "valid", "1"])),
    st.builds("conv3-{} g=2 bn={}".format, st.sampled_from([2, 4]), st.sampled_from(["true", "false"])),
    st.builds("local{}-{} bias={}".format, st.sampled_from([1, 2]), st.integers(1, 3), st.sampled_from(["true", "false"])),
    st.sampled_from(["pool", "maxpool3/1 p=1", "avgpool2 ceil=true", "minpool2", "l2pool2", "maxpool3/2 ceil=true"]),
    st.sampled_from(["batchnorm", "lrn", "posbias", "dropout(0.2)", "maxout(1)"]),
)
_ANY = st.sampled_from(["relu", "tanh", "sigmoid", "leakyrelu(0.1)", "elu", "dropout"])
_VECTOR = st.builds("fc-{}".format, st.integers(1, 6))


def _items(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(leaf, min_size=1, max_size=3).map(", ".join)


_STRUCTURE = st.recursive(
    st.one_of(_SPATIAL, _ANY),
    lambda inner: st.one_of(
        st.builds("{{x + {}}}".format, _items(inner)),
        st.builds("{{x + {}}} shortcut={}".format, _items(inner), st.sampled_from(["A", "C", "auto"])),
        st.builds("{{{} | {}}}".format, _items(inner), _items(inner)),
        st.builds("[{}]*{}".format, _items(inner), st.integers(0, 3)),
        st.builds("side[{}]".format, _items(inner)),
        st.builds("({}) if {}".format, _items(inner), st.sampled_from(["true", "false"])),
    ),
    max_leaves=6,
)

_SPECS = st.builds(
    "network r\ninput {}@{}\n{}\n{}\n{}\n".format,
    st.integers(1, 5),
    st.sampled_from(["9x9", "8x6", "12", "7x7"]),
    st.sampled_from(["act relu", "act none", "act tanh\npad valid"]),
    _items(_STRUCTURE),
    st.one_of(st.just(""), st.builds("gap, {}".format, _VECTOR), st.builds("{}, {}".format, _VECTOR, _VECTOR)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SPECS)
def test_random_specs_that_check_build_and_compute_alike(spec: str) -> None:
    """Whatever checks builds, has the parameters check says, gives the shape
    check says, and computes what the interpreter computes."""
    try:
        network = archlang.check(spec)
    except archlang.ArchError:
        return
    model = archlang.build(spec).eval()
    assert sum(p.numel() for p in model.parameters()) == network.params
    with torch.no_grad():
        outputs = model(_input(model, network, 0))
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert [tuple(y.shape[1:]) for y in outputs] == [network.output, *network.side_outputs]
    agree(spec)


@pytest.mark.parametrize("spec", [
    "network r\ninput 1@9x9\nact relu\nside[[pool]*0]\ngap, fc-1\n",
    "network r\ninput 1@9x9\nact relu\nside[[conv3-2 g=2 bn=true]*0], conv1-1/1 p=same\n",
])
def test_an_empty_side_output_is_the_tensor_where_it_branches(spec: str) -> None:
    """Found by the random specs: a side output that expands to nothing returned
    the main path's last tensor, not the tensor where it branched off."""
    test_random_specs_that_check_build_and_compute_alike.hypothesis.inner_test(spec)
