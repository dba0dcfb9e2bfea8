"""The kind MaxViT needs: block and grid attention (`partitionattention`), and MaxViT's layers built from it.

Its shape, counts (MACs as FlopCounterMode counts them: the projections and
both attention products within each partition), generated PyTorch form,
state_dict order, buffer, and forward values against a direct torch
computation that follows torchvision's maxvit.py step by step
(WindowPartition, SwapAxes for the grid, RelativePositionalMultiHeadAttention
with its einsums, the residuals on the partitioned tokens, WindowDepartition),
for the attention alone, for a whole PartitionAttentionLayer written with
layernorm, pointwise and residuals on the map, and for an MBConv; and the
errors bad input gives.
"""

from __future__ import annotations

import pytest
from conftest import codes, layer_rows

import archlang
from archlang import codegen

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _reference_index(size: int) -> torch.Tensor:
    """torchvision's _get_relative_position_index(size, size), as it writes it."""
    coords = torch.stack(torch.meshgrid([torch.arange(size), torch.arange(size)], indexing="ij"))
    flat = torch.flatten(coords, 1)
    relative = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
    relative[:, :, 0] += size - 1
    relative[:, :, 1] += size - 1
    relative[:, :, 0] *= 2 * size - 1
    return relative.sum(-1)


def _partition(x: torch.Tensor, p: int) -> torch.Tensor:
    """torchvision's WindowPartition: (B, C, H, W) -> (B, H/p * W/p, p*p, C)."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(b, (h // p) * (w // p), p * p, c)


def _departition(x: torch.Tensor, p: int, hp: int, wp: int) -> torch.Tensor:
    """torchvision's WindowDepartition."""
    b, _, _, c = x.shape
    return x.reshape(b, hp, wp, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, hp * p, wp * p)


def _attention(x: torch.Tensor, t: list[torch.Tensor], size: int, heads: int) -> torch.Tensor:
    """torchvision's RelativePositionalMultiHeadAttention.forward on (B, G, P, D); t: table, index,
    to_qkv weight and bias, merge weight and bias."""
    b, g, p, d = x.shape
    dh = d // heads
    q, k, v = torch.chunk(F.linear(x, t[2], t[3]), 3, dim=-1)
    q, k, v = (a.reshape(b, g, p, heads, dh).permute(0, 1, 3, 2, 4) for a in (q, k, v))
    k = k * d ** -0.5
    dot = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k)
    bias = t[0][t[1].view(-1)].view(size * size, size * size, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
    dot = F.softmax(dot + bias, dim=-1)
    out = torch.einsum("B G H I J, B G H J D -> B G H I D", dot, v).permute(0, 1, 3, 2, 4).reshape(b, g, p, d)
    return F.linear(out, t[4], t[5])


def _partitioned(x: torch.Tensor, size: int, grid: bool) -> tuple[torch.Tensor, int]:
    """PartitionAttentionLayer's partition_op and partition_swap; returns the tokens and its p."""
    p = x.shape[2] // size if grid else size
    tokens = _partition(x, p)
    return (tokens.swapaxes(-2, -3) if grid else tokens), p


def _restored(tokens: torch.Tensor, p: int, h: int, w: int, grid: bool) -> torch.Tensor:
    return _departition(tokens.swapaxes(-2, -3) if grid else tokens, p, h // p, w // p)


def _randomised(model: torch.nn.Module, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.5)
    return list(model.state_dict().values())


def test_partition_attention_counts_the_projections_and_both_products_within_each_partition() -> None:
    # 8 channels, 2 heads, 6x9 in 3x3 blocks: 54 tokens in 6 partitions of 9.
    # in 54*8*24, QK^T and AV 2*54*9*8, out 54*8*8; a table of 5*5 offsets per head
    rows = layer_rows("input 8@6x9\npartitionattention(2) size=3, partitionattention(4) size=2 grid=true if false")
    assert rows == [("partitionattention(2) size=3", (8, 6, 9), 4 * 64 + 4 * 8 + 25 * 2,
                     54 * 8 * 24 + 2 * 54 * 9 * 8 + 54 * 8 * 8)]
    # the grid: partitions of size^2 positions all the same (16 of 4 on 8x8)
    rows = layer_rows("input 8@8x8\npartitionattention(4) partition=2 grid=true")
    assert rows == [("partitionattention(4) size=2 grid", (8, 8, 8), 4 * 64 + 4 * 8 + 9 * 4,
                     64 * 8 * 24 + 2 * 64 * 4 * 8 + 64 * 8 * 8)]
    assert archlang.check("input 8@6x9\npartitionattention(2) size=3").rows[0].layer.buffers == 81


def test_the_state_dict_and_buffer_are_torchvisions() -> None:
    model = archlang.build("input 8@6x6\npartitionattention(2) size=3 grid=true", device="meta")
    assert [(name.split(".", 1)[1], tuple(t.shape)) for name, t in model.state_dict().items()] == [
        ("relative_position_bias_table", (25, 2)), ("relative_position_index", (9, 9)),
        ("to_qkv.weight", (24, 8)), ("to_qkv.bias", (24,)), ("merge.weight", (8, 8)), ("merge.bias", (8,))]
    (attn,) = archlang.build("input 8@14x14\npartitionattention(2) size=7").children()
    assert torch.equal(attn.relative_position_index, _reference_index(7))
    assert [n for n, _ in attn.named_buffers()] == ["relative_position_index"]
    text = codegen.python(archlang.check("input 8@6x6\npartitionattention(2) size=3, "
                                         "partitionattention(4) size=2 grid=true"))
    assert "PartitionAttention(8, 2, 3)" in text and "PartitionAttention(8, 4, 2, grid=True)" in text


@pytest.mark.parametrize(("size", "partition", "grid"), [
    ((6, 9), 3, False),    # blocks on a map that is not square
    ((8, 8), 2, True),     # 2x2 grids of positions 4 apart
    ((6, 6), 3, True),     # 3x3 grids of positions 2 apart
    ((7, 7), 7, True),     # one partition covers the map (MaxViT's last stage at 224)
])
def test_partition_attention_computes_torchvisions_attention(size: tuple[int, int], partition: int,
                                                             grid: bool) -> None:
    spec = f"input 8@{size[0]}x{size[1]}\npartitionattention(2) size={partition} grid={str(grid).lower()}"
    model = archlang.build(spec).eval()
    t = _randomised(model, 0)
    x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        tokens, p = _partitioned(x, partition, grid)
        expected = _restored(_attention(tokens, t, partition, 2), p, *size, grid)
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("grid", [False, True])
def test_a_partition_attention_layer_on_the_map_is_torchvisions_on_the_tokens(grid: bool) -> None:
    # PartitionAttentionLayer: partition, x + attn(LN(x)), x + MLP(LN(x)), departition. Written on the
    # map, the norms, linears and sums act per token, as torchvision's do on the partitioned tokens.
    spec = (f"input 8@6x6\nact none\n{{x + layernorm, partitionattention(2) size=3 grid={str(grid).lower()}, "
            "dropout(0), droppath(0.1)}, {x + layernorm, pointwise-32, gelu, pointwise-8, dropout(0), droppath(0.1)}")
    model = archlang.build(spec).eval()
    t = _randomised(model, 2)
    x = torch.randn(2, 8, 6, 6, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        tokens, p = _partitioned(x, 3, grid)
        tokens = tokens + _attention(F.layer_norm(tokens, (8,), t[0], t[1]), t[2:8], 3, 2)
        hidden = F.gelu(F.linear(F.layer_norm(tokens, (8,), t[8], t[9]), t[10], t[11]))
        tokens = tokens + F.linear(hidden, t[12], t[13])
        torch.testing.assert_close(model(x), _restored(tokens, p, 6, 6, grid), rtol=1e-5, atol=1e-5)


def test_maxvits_mbconv_with_its_pooled_shortcut_is_torchvisions() -> None:
    # MBConv(8 -> 8, stride 2): proj = AvgPool2d(3, 2, 1), Conv2d 1x1 with bias (registered first);
    # layers = pre_norm BN, conv_a 1x1 + BN + GELU, conv_b depthwise 3x3/2 + BN + GELU,
    # squeeze-excitation to 2 with SiLU, conv_c 1x1 with bias.
    spec = ("input 8@6x6\nact none\ndefault conv bias=false bn=true bn_eps=0.001 bn_momentum=0.99\n"
            "{(avgpool3/2 p=1, conv1-8 bias=true bn=false) + batchnorm(0.001, 0.99), conv1-32 act=gelu, "
            "conv3-32/2 g=32 act=gelu, {x * adaptiveavgpool1, conv1-2 bias=true bn=false act=silu, "
            "conv1-32 bias=true bn=false, sigmoid}, conv1-8 bias=true bn=false, droppath(0.1)}")
    model = archlang.build(spec).eval()
    t = _randomised(model, 4)
    with torch.no_grad():
        for i in (5, 11, 17):  # running variances kept positive
            t[i].abs_()
    x = torch.randn(2, 8, 6, 6, generator=torch.Generator().manual_seed(5))

    def bn(y: torch.Tensor, at: int) -> torch.Tensor:
        return F.batch_norm(y, t[at + 2], t[at + 3], t[at], t[at + 1], False, 0.99, 1e-3)

    with torch.no_grad():
        shortcut = F.conv2d(F.avg_pool2d(x, 3, 2, 1), t[0], t[1])
        y = F.gelu(bn(F.conv2d(bn(x, 2), t[7]), 8))
        y = F.gelu(bn(F.conv2d(y, t[13], stride=2, padding=1, groups=32), 14))
        scale = torch.sigmoid(F.conv2d(F.silu(F.conv2d(F.adaptive_avg_pool2d(y, 1), t[19], t[20])), t[21], t[22]))
        expected = shortcut + F.conv2d(y * scale, t[23], t[24])
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-5)


def test_bad_partition_inputs_are_coded_errors() -> None:
    assert codes("input 8\npartitionattention(2)") == [("E305", 2, 1)]
    assert codes("input 6@7x7\npartitionattention(4)") == [("E304", 2, 1)]
    assert codes("input 8@14x12\nconv1-8, partitionattention(2)") == [("E308", 2, 10)]
    assert codes("input 8@6x9\npartitionattention(2) size=3 grid=true") == [("E308", 2, 1)]
