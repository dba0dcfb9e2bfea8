"""The kinds ConvNeXt (and ViT) need: layer norm over channels, a pointwise
Linear on the channels of a map, and a residual's layer scale.

Each with its shape, counts, generated PyTorch form, state_dict order and
forward values, and the error a misplaced layer scale gives.
"""

from __future__ import annotations

import pytest
from conftest import codes, layer_rows

import archlang
from archlang import codegen

torch = pytest.importorskip("torch")
F = torch.nn.functional


def test_layernorm_keeps_the_shape_and_holds_a_scale_and_a_shift_per_channel() -> None:
    assert layer_rows("input 6@5x3\nlayernorm(1e-6), gap, ln") == [
        ("layernorm(1e-06)", (6, 5, 3), 12, 0), ("gap", (6,), 0, 0), ("layernorm", (6,), 12, 0)]


def test_layernorm_is_torchvisions_layernorm2d_on_a_map_and_nn_layernorm_on_a_vector() -> None:
    source = codegen.python(archlang.check("input 6@5x3\nlayernorm(1e-6), gap, layernorm"))
    assert "ChannelLayerNorm(6, eps=1e-06)" in source and "nn.LayerNorm(6)" in source
    model = archlang.build("input 6@5x3\nlayernorm(1e-6)").eval()
    with torch.no_grad():
        model.state_dict()["ln1.weight"].copy_(torch.linspace(0.5, 2.0, 6))
        model.state_dict()["ln1.bias"].copy_(torch.linspace(-1.0, 1.0, 6))
        x = torch.randn(2, 6, 5, 3, generator=torch.Generator().manual_seed(0))
        # torchvision's LayerNorm2d: permute to channels-last, F.layer_norm, permute back
        expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), torch.linspace(0.5, 2.0, 6),
                                torch.linspace(-1.0, 1.0, 6), 1e-6).permute(0, 3, 1, 2)
        assert torch.equal(model(x), expected)


def test_pointwise_maps_the_channels_at_each_position_with_a_linears_weight() -> None:
    assert layer_rows("input 4@5x3\npointwise-6, gap, pointwise-2 bias=false") == [
        ("pointwise-6", (6, 5, 3), (4 + 1) * 6, 4 * 6 * 15), ("gap", (6,), 0, 0), ("pointwise-2", (2,), 12, 12)]
    model = archlang.build("input 4@5x3\npointwise-6", device="meta")
    assert [tuple(t.shape) for t in model.state_dict().values()] == [(6, 4), (6,)]  # not a 1x1 conv's (6, 4, 1, 1)
    model = archlang.build("input 4@5x3\npointwise-6").eval()
    weight, bias = model.pw1.weight, model.pw1.bias  # the parameters: F.linear may round a plain tensor's product otherwise
    x = torch.randn(2, 4, 5, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = F.linear(x.permute(0, 2, 3, 1), weight, bias).permute(0, 3, 1, 2)
        assert torch.equal(model(x), expected)


def test_a_layer_scale_is_the_blocks_first_parameter_and_scales_before_the_droppath() -> None:
    spec = "input 4@6x6\n{x + conv3-4 g=4, pointwise-8, gelu, pointwise-4, droppath(0.2)} scale=1e-6"
    network = archlang.check(spec)
    assert network.params == 4 + (9 * 4 + 4) + (4 * 8 + 8) + (8 * 4 + 4)
    assert network.rows[0].layer.op == "add, layer scale 1e-06"
    source = codegen.python(network)
    assert "self.layer_scale = nn.Parameter(torch.full((4, 1, 1), 1e-06))" in source
    assert source.index("self.layer_scale * out") < source.index("self.droppath1(out)")
    model = archlang.build(spec)
    first = next(iter(model.state_dict()))
    assert first.endswith("layer_scale")
    assert [tuple(t.shape) for t in model.state_dict().values()][:2] == [(4, 1, 1), (4, 1, 3, 3)]
    assert isinstance(dict(model.named_parameters())[first], torch.nn.Parameter)
    x = torch.randn(2, 4, 6, 6, generator=torch.Generator().manual_seed(2))
    block = next(iter(model.children()))
    with torch.no_grad():
        body = block.pw2(block.gelu1(block.pw1(block.conv1(x))))
        assert torch.equal(model.eval()(x), block.layer_scale * body + x)


def test_a_layer_scale_on_a_vector_has_one_factor_per_value() -> None:
    source = codegen.python(archlang.check("input 5\n{x + fc-5} scale=0.5"))
    assert "nn.Parameter(torch.full((5,), 0.5))" in source


def test_a_layer_scale_needs_one_body_beside_the_identity() -> None:
    assert codes("input 4@4x4\n{conv1-4 + conv3-4} scale=0.1") == [("E311", 2, 1)]
    assert codes("input 4@4x4\n{x + conv1-4 + conv3-4} scale=0.1") == [("E311", 2, 1)]
    assert [c for c, _, _ in codes("input 4@4x4\n{x + conv3-4} scale=0")] == ["E306"]
