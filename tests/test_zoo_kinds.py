"""The kinds and options torchvision's models need: batch norm's epsilon and
momentum, adaptive average pooling to a fixed size, and stochastic depth.

Each with its shape, counts, generated PyTorch form and forward values, and
the errors bad values give.
"""

from __future__ import annotations

import pytest
from conftest import codes

import archlang
from archlang import codegen

torch = pytest.importorskip("torch")


def _source(spec: str) -> str:
    return codegen.python(archlang.check(spec))


def _shapes(spec: str) -> list[tuple[str, tuple[int, ...], int, int]]:
    network = archlang.check(spec)
    return [(row.layer.kind.label(row.layer.opts), row.layer.out_shape, row.layer.params, row.layer.macs)
            for row in network.rows]


# ---- batch norm's epsilon and momentum -----------------------------------------------------------


def test_bn_eps_and_momentum_reach_the_generated_batch_norm_and_leave_the_counts() -> None:
    spec = "input 3@8x8\ndefault conv bias=false bn=true bn_eps=0.001 bn_momentum=0.01\nconv3-8, fc-4 bn=true"
    source = _source(spec)
    assert "nn.BatchNorm2d(8, eps=0.001, momentum=0.01)" in source
    assert "nn.BatchNorm1d(4)" in source  # the default names conv only
    network = archlang.check(spec)
    assert [row.layer.params for row in network.rows] == [3 * 9 * 8 + 16, 0, 8 * 64 * 4 + 4 + 8]


def test_the_defaults_generate_what_they_did() -> None:
    source = _source("input 3@8x8\nconv3-8 bn=true, batchnorm")
    assert source.count("nn.BatchNorm2d(8)") == 2
    assert "eps=" not in source and "momentum=" not in source


def test_a_file_wide_default_sets_every_kind_that_takes_bn() -> None:
    source = _source("input 3@4x4\ndefault bn=true bn_eps=0.001\nconv3-8, fc-4")
    assert "nn.BatchNorm2d(8, eps=0.001)" in source and "nn.BatchNorm1d(4, eps=0.001)" in source


def test_the_batchnorm_kind_takes_eps_and_momentum_by_name_or_position() -> None:
    source = _source("input 3@4x4\nbatchnorm(eps=0.001, momentum=0.0003), bn(0.01, 0.5)")
    assert "nn.BatchNorm2d(3, eps=0.001, momentum=0.0003)" in source
    assert "nn.BatchNorm2d(3, eps=0.01, momentum=0.5)" in source


def test_a_projection_shortcut_normalises_as_its_body_does() -> None:
    source = _source("input 4@8x8\ndefault conv bias=false bn=true bn_eps=0.001\n{x + conv3-8/2}")
    assert source.count("nn.BatchNorm2d(8, eps=0.001)") == 2


def test_bn_eps_computes_with_its_epsilon() -> None:
    """Fresh batch norm statistics (mean 0, variance 1): y = w*x / sqrt(1 + eps)."""
    model = archlang.build("input 1@1x1\nconv1-1 bias=false bn=true bn_eps=3").eval()
    with torch.no_grad():
        model.state_dict()["conv1.weight"].fill_(2.0)
    assert model(torch.ones(1, 1, 1, 1)).item() == 1.0  # 2 / sqrt(1 + 3)
    plain = archlang.build("input 2@1x1\nbatchnorm(eps=3)").eval()
    assert plain(torch.ones(1, 2, 1, 1)).flatten().tolist() == [0.5, 0.5]


@pytest.mark.parametrize(("option", "code"), [("bn_eps=0", "E306"), ("bn_eps=-1", "E306"),
                                              ("bn_momentum=1.5", "E306"), ("bn_eps=true", "E308")])
def test_bad_bn_settings_are_refused(option: str, code: str) -> None:
    assert codes(f"input 3@4x4\nconv3-8 bn=true {option}") == [(code, 2, 17)]


# ---- adaptive average pooling ---------------------------------------------------------------------


def test_adaptive_pool_gives_the_size_whatever_the_input() -> None:
    rows = _shapes("input 512@14x14\nadaptiveavgpool7, adaptivepool(7), adaptiveavgpool2x3, adaptive_avg_pool6x6")
    assert rows == [("adaptiveavgpool7", (512, 7, 7), 0, 0), ("adaptiveavgpool7", (512, 7, 7), 0, 0),
                    ("adaptiveavgpool2x3", (512, 2, 3), 0, 0), ("adaptiveavgpool6x6", (512, 6, 6), 0, 0)]
    assert _shapes("input 4@10\nadaptiveavgpool3") == [("adaptiveavgpool3", (4, 3), 0, 0)]


def test_adaptive_pool_is_torchvisions_module() -> None:
    source = _source("input 8@13x13\nadaptiveavgpool7x7, adaptiveavgpool6x5")
    assert "nn.AdaptiveAvgPool2d((7, 7))" in source and "nn.AdaptiveAvgPool2d((6, 5))" in source
    assert "nn.AdaptiveAvgPool1d(3)" in _source("input 4@10\nadaptiveavgpool3")


def test_adaptive_pool_averages_pytorchs_windows() -> None:
    """Five columns to two: columns 0-2 and 2-4 (window i spans floor(i*5/2) to ceil((i+1)*5/2))."""
    model = archlang.build("input 1@1x5\nadaptiveavgpool1x2").eval()
    x = torch.arange(5.0).reshape(1, 1, 1, 5)
    assert model(x).flatten().tolist() == [1.0, 3.0]


def test_adaptive_pool_receptive_field_is_the_widest_window() -> None:
    network = archlang.check("input 1@14x14\nadaptiveavgpool7, adaptiveavgpool2x3")
    # 14 to 7: windows of 2 at step 2; then 7 to 2 (windows of 4, step 3) and 7 to 3 (3, step 2)
    assert [row.rf for row in network.rows] == [((2, 2), (2, 2)), ((2 + 3 * 2, 2 + 2 * 2), (2 * 3, 2 * 2))]


@pytest.mark.parametrize(("spec", "code"), [("input 8\nadaptiveavgpool7", "E305"),
                                            ("input 8@4x4\nadaptiveavgpool2x2x2", "E305"),
                                            ("input 8@4x4\nadaptiveavgpool", "E309")])
def test_bad_adaptive_pools_are_refused(spec: str, code: str) -> None:
    assert [c for c, _, _ in codes(spec)] == [code]


# ---- stochastic depth ----------------------------------------------------------------------------------


def test_droppath_keeps_the_shape_and_counts_nothing() -> None:
    rows = _shapes("input 4@4x4\nact relu\n{x + conv3-4, droppath(0.1)}")
    assert rows[2] == ("droppath(0.1)", (4, 4, 4), 0, 0)


def test_the_conv_before_a_branchs_droppath_still_ends_the_branch_without_activation() -> None:
    """EfficientNet and ConvNeXt: the branch's last conv, then stochastic depth, then the sum."""
    network = archlang.check("input 4@4x4\nact relu\n{x + conv3-4, conv3-4, droppath(0.1)}, conv1-4")
    assert [row.layer.act_name for row in network.rows] == ["relu", "relu", None, None, None]


def test_droppath_builds_the_real_op() -> None:
    source = _source("input 4@4x4\nact relu\n{x + conv3-4, droppath(0.1)}, droppath(0.2, batch)")
    assert "StochasticDepth(0.1)" in source and "StochasticDepth(0.2, mode='batch')" in source
    assert "class StochasticDepth(nn.Module)" in source and "bernoulli_" in source


def test_droppath_passes_values_through_in_evaluation_and_drops_rows_in_training() -> None:
    model = archlang.build("input 3@2x2\ndroppath(0.5)")
    x = torch.ones(400, 3, 2, 2)
    assert torch.equal(model.eval()(x), x)
    torch.manual_seed(0)
    y = model.train()(x)
    per_sample = y.flatten(1)
    assert set(per_sample.unique().tolist()) == {0.0, 2.0}  # dropped, or kept and scaled by 1/(1-p)
    assert torch.equal(per_sample.amin(1), per_sample.amax(1))  # a whole sample at once
    assert 150 < int((per_sample[:, 0] == 0).sum()) < 250


def test_droppath_in_batch_mode_drops_the_whole_batch() -> None:
    model = archlang.build("input 3@2x2\ndroppath(0.5, batch)").train()
    torch.manual_seed(0)
    outputs = {model(torch.ones(8, 3, 2, 2)).unique().tolist()[0] for _ in range(40)}
    assert outputs == {0.0, 2.0}


@pytest.mark.parametrize(("spec", "code"), [("droppath(1.5)", "E306"), ("droppath(0.1, rows)", "E308"),
                                            ("droppath", "E309")])
def test_bad_droppaths_are_refused(spec: str, code: str) -> None:
    assert [c for c, _, _ in codes(f"input 3@4x4\n{spec}")] == [code]
