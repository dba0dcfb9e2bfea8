"""The kinds the Swin Transformers and MaxViT need: shifted-window attention, patch merging,
the post-norm residual (Swin V2) and partition attention (MaxViT).

Each with its shape, counts (MACs as FlopCounterMode counts them: the
projections and both attention products over the padded map, Swin V2's
position-bias MLP), generated PyTorch form, state_dict order and forward
values against a direct torch computation that follows torchvision's
`shifted_window_attention` step by step (channels last, the mask built from
its slices; MaxViT's partition, axis swap and relative attention), and the
errors bad input gives.
"""

from __future__ import annotations

import math

import pytest
from conftest import codes, layer_rows

import archlang
from archlang import codegen

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _reference_index(window: int) -> torch.Tensor:
    """torchvision's relative_position_index: coordinate differences shifted to start at 0, row times 2W-1."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    relative[:, :, 0] += window - 1
    relative[:, :, 1] += window - 1
    relative[:, :, 0] *= 2 * window - 1
    return relative.sum(-1).flatten()


def _reference_attention(x: torch.Tensor, attn: torch.nn.Module, window: int, heads: int, shift: int,
                         bias: torch.Tensor, logit_scale: torch.Tensor | None = None) -> torch.Tensor:
    """torchvision's shifted_window_attention on x (N, H, W, C), its steps in its order."""
    n, h, w, c = x.shape
    x = F.pad(x, (0, 0, 0, (window - w % window) % window, 0, (window - h % window) % window))
    _, ph, pw, _ = x.shape
    s = [0 if window >= ph else shift, 0 if window >= pw else shift]
    if sum(s) > 0:
        x = torch.roll(x, shifts=(-s[0], -s[1]), dims=(1, 2))
    windows = (ph // window) * (pw // window)
    x = x.view(n, ph // window, window, pw // window, window, c).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(n * windows, window * window, c)
    qkv_bias = attn.qkv.bias
    if logit_scale is not None:
        qkv_bias = qkv_bias.clone()
        qkv_bias[c:2 * c].zero_()
    qkv = F.linear(x, attn.qkv.weight, qkv_bias).reshape(x.size(0), x.size(1), 3, heads, c // heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)
    if logit_scale is not None:
        scores = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        scores = scores * torch.clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        scores = (q * (c // heads) ** -0.5).matmul(k.transpose(-2, -1))
    scores = scores + bias
    if sum(s) > 0:
        mask = x.new_zeros((ph, pw))
        count = 0
        for hs in ((0, -window), (-window, -s[0]), (-s[0], None)):
            for ws in ((0, -window), (-window, -s[1]), (-s[1], None)):
                mask[hs[0]:hs[1], ws[0]:ws[1]] = count
                count += 1
        mask = mask.view(ph // window, window, pw // window, window).permute(0, 2, 1, 3)
        mask = mask.reshape(windows, window * window)
        mask = mask.unsqueeze(1) - mask.unsqueeze(2)
        mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
        scores = scores.view(n, windows, heads, x.size(1), x.size(1)) + mask.unsqueeze(1).unsqueeze(0)
        scores = scores.view(-1, heads, x.size(1), x.size(1))
    x = F.softmax(scores, dim=-1).matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), c)
    x = F.linear(x, attn.proj.weight, attn.proj.bias)
    x = x.view(n, ph // window, pw // window, window, window, c).permute(0, 1, 3, 2, 4, 5).reshape(n, ph, pw, c)
    if sum(s) > 0:
        x = torch.roll(x, shifts=(s[0], s[1]), dims=(1, 2))
    return x[:, :h, :w, :]


def _randomised(model: torch.nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.5)


def test_window_attention_counts_the_projections_and_both_products_over_the_padded_map() -> None:
    # 8 channels, 2 heads, 9x7 padded to 12x8: 96 tokens in 6 windows of 16.
    # in 96*8*24, QK^T and AV 2*96*16*8, out 96*8*8; a table of 7*7 offsets per head
    rows = layer_rows("input 8@9x7\nwindowattention(2) window=4 shift=2")
    assert rows == [("windowattention(2) window=4 shift=2", (8, 9, 7), 4 * 64 + 4 * 8 + 49 * 2,
                     96 * 8 * 24 + 2 * 96 * 16 * 8 + 96 * 8 * 8)]
    # Swin V2: a logit scale per head and the MLP 2 -> 512 -> heads instead of the table, and the MLP's
    # products over the 49 offsets
    rows = layer_rows("input 8@9x7\nwindowattention(2) window=4 v2=true")
    assert rows == [("windowattention(2) window=4 v2", (8, 9, 7), 4 * 64 + 4 * 8 + 2 + 3 * 512 + 512 * 2,
                     96 * 8 * 24 + 2 * 96 * 16 * 8 + 96 * 8 * 8 + 49 * (2 * 512 + 512 * 2))]
    network = archlang.check("input 8@9x7\nwindowattention(2) window=4 shift=2 v2=true")
    assert network.rows[0].layer.buffers == 16 * 16 + 49 * 2


def test_patch_merging_halves_the_sides_and_doubles_the_channels() -> None:
    # 6@7x4: the odd side padded to 8, so 4x2; the linear 24 -> 12 without bias and a norm of 24 (V2: of 12)
    assert layer_rows("input 6@7x4\npatchmerge, patchmerge v2=true") == [
        ("patchmerge", (12, 4, 2), 24 * 12 + 2 * 24, 24 * 12 * 8),
        ("patchmerge v2", (24, 2, 1), 48 * 24 + 2 * 24, 48 * 24 * 2)]


def test_the_state_dicts_are_in_torchvisions_order() -> None:
    model = archlang.build("input 8@8x8\nwindowattention(2) window=4, patchmerge, windowattention(4) window=2 "
                           "v2=true", device="meta")
    assert [(name.split(".", 1)[1], tuple(t.shape)) for name, t in model.state_dict().items()] == [
        ("relative_position_bias_table", (49, 2)), ("relative_position_index", (256,)),
        ("qkv.weight", (24, 8)), ("qkv.bias", (24,)), ("proj.weight", (8, 8)), ("proj.bias", (8,)),
        ("reduction.weight", (16, 32)), ("norm.weight", (32,)), ("norm.bias", (32,)),
        ("logit_scale", (4, 1, 1)), ("relative_coords_table", (1, 3, 3, 2)), ("relative_position_index", (16,)),
        ("qkv.weight", (48, 16)), ("qkv.bias", (48,)), ("proj.weight", (16, 16)), ("proj.bias", (16,)),
        ("cpb_mlp.0.weight", (512, 2)), ("cpb_mlp.0.bias", (512,)), ("cpb_mlp.2.weight", (4, 512))]
    text = codegen.python(archlang.check("input 8@8x8\nwindowattention(2) window=4 shift=2, patchmerge v2=true"))
    assert "WindowAttention(8, 2, 4, shift=2)" in text and "PatchMerge(8, v2=True)" in text


def test_the_buffers_are_torchvisions() -> None:
    model = archlang.build("input 8@8x8\nwindowattention(2) window=4, windowattention(2) window=4 v2=true")
    first, second = model.children()
    assert torch.equal(first.relative_position_index, _reference_index(4))
    assert torch.equal(second.relative_position_index, _reference_index(4))
    steps = torch.arange(-3, 4, dtype=torch.float32)
    table = torch.stack(torch.meshgrid([steps, steps], indexing="ij")).permute(1, 2, 0).contiguous().unsqueeze(0)
    table[:, :, :, 0] /= 3
    table[:, :, :, 1] /= 3
    table *= 8
    assert torch.equal(second.relative_coords_table, torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0)
    assert torch.allclose(second.logit_scale, torch.full((2, 1, 1), math.log(10)))


@pytest.mark.parametrize(("size", "window", "shift"), [
    ((8, 8), 4, 2),    # whole windows, shifted both ways
    ((9, 7), 4, 2),    # padded to 12x8, shifted both ways
    ((9, 4), 4, 2),    # one window across: shifted down only
    ((5, 5), 7, 3),    # one padded window covers the map: no shift (the last stage of Swin at 224)
    ((6, 6), 3, 0),    # no shift written
])
def test_window_attention_computes_torchvisions_shifted_window_attention(size: tuple[int, int], window: int,
                                                                         shift: int) -> None:
    spec = f"input 8@{size[0]}x{size[1]}\nwindowattention(2) window={window} shift={shift}"
    model = archlang.build(spec).eval()
    _randomised(model, 0)
    (attn,) = model.children()
    x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(1))
    index = attn.relative_position_index
    tokens = window * window
    bias = attn.relative_position_bias_table[index].view(tokens, tokens, -1).permute(2, 0, 1).unsqueeze(0)
    with torch.no_grad():
        expected = _reference_attention(x.permute(0, 2, 3, 1), attn, window, 2, shift, bias)
        torch.testing.assert_close(model(x), expected.permute(0, 3, 1, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("size", "shift"), [((8, 8), 2), ((9, 5), 2), ((4, 4), 2)])
def test_window_attention_v2_computes_torchvisions_cosine_attention(size: tuple[int, int], shift: int) -> None:
    model = archlang.build(f"input 8@{size[0]}x{size[1]}\nwindowattention(2) window=4 shift={shift} v2=true").eval()
    _randomised(model, 2)
    (attn,) = model.children()
    with torch.no_grad():
        attn.relative_coords_table.copy_(attn.log_spaced_offsets(4))  # a buffer, not randomised by torchvision
        x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(3))
        table = attn.cpb_mlp(attn.relative_coords_table).view(-1, 2)
        bias = 16 * torch.sigmoid(table[attn.relative_position_index].view(16, 16, -1).permute(2, 0, 1).unsqueeze(0))
        expected = _reference_attention(x.permute(0, 2, 3, 1), attn, 4, 2, shift, bias, attn.logit_scale)
        torch.testing.assert_close(model(x), expected.permute(0, 3, 1, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("v2", [False, True])
def test_patch_merging_computes_torchvisions_patch_merging(v2: bool) -> None:
    model = archlang.build(f"input 6@7x4\npatchmerge v2={str(v2).lower()}").eval()
    _randomised(model, 4)
    (merge,) = model.children()
    x = torch.randn(2, 6, 7, 4, generator=torch.Generator().manual_seed(5))
    last = F.pad(x.permute(0, 2, 3, 1), (0, 0, 0, 0, 0, 1))
    joined = torch.cat([last[..., 0::2, 0::2, :], last[..., 1::2, 0::2, :], last[..., 0::2, 1::2, :],
                        last[..., 1::2, 1::2, :]], -1)
    with torch.no_grad():
        expected = merge.norm(merge.reduction(joined)) if v2 else merge.reduction(merge.norm(joined))
        torch.testing.assert_close(model(x), expected.permute(0, 3, 1, 2))


def test_bad_window_inputs_are_coded_errors() -> None:
    assert codes("input 8\nwindowattention(2)") == [("E305", 2, 1)]
    assert codes("input 3@8x8\npatchembed-8 patch=4, windowattention(2)") == [("E305", 2, 23)]
    assert codes("input 6@8x8\nwindowattention(4)") == [("E304", 2, 1)]
    assert codes("input 8@8x8\nwindowattention(2) window=4 shift=4") == [("E308", 2, 1)]
    assert codes("input 8@8\npatchmerge") == [("E305", 2, 1)]
    assert codes("input 8@8x8\nwindowattention(2) window=1 v2=true") == [("E308", 2, 1)]


def test_a_post_norm_normalises_the_body_before_its_droppath_and_holds_the_norm_first() -> None:
    spec = "input 4@5x5\n{x + conv3-4, droppath(0.2)} postnorm=0.01"
    # the join's row holds the norm: 2 x 4 parameters beside the conv's 3*3*4*4 + 4
    assert layer_rows(spec) == [("add, post-norm 0.01", (4, 5, 5), 8, 0), ("conv3-4", (4, 5, 5), 148, 3600),
                                ("droppath(0.2)", (4, 5, 5), 0, 0)]
    model = archlang.build(spec).eval()
    _randomised(model, 6)
    assert [tuple(t.shape) for t in model.state_dict().values()] == [(4,), (4,), (4, 4, 3, 3), (4,)]
    weight, bias, kernel, kernel_bias = model.state_dict().values()
    x = torch.randn(2, 4, 5, 5, generator=torch.Generator().manual_seed(7))
    body = F.conv2d(x, kernel, kernel_bias, padding=1).permute(0, 2, 3, 1)
    expected = x + F.layer_norm(body, (4,), weight, bias, 0.01).permute(0, 3, 1, 2)
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected)


def test_a_post_norm_needs_one_body_and_no_layer_scale() -> None:
    assert codes("input 4@5x5\n{conv1-4 + conv3-4} postnorm=1e-5") == [("E311", 2, 1)]
    assert codes("input 4@5x5\n{x + conv3-4} postnorm=1e-5 scale=0.1") == [("E311", 2, 1)]


def _reference_partition_attention(x: torch.Tensor, attn: torch.nn.Module, size: int, heads: int,
                                   grid: bool) -> torch.Tensor:
    """torchvision's PartitionAttentionLayer around RelativePositionalMultiHeadAttention, on x (N, C, H, W):
    WindowPartition with p (the partition size, or for a grid the number of partitions), the axis swap
    of a grid, the attention on (B, G, P, D), and back."""
    n, c, h, w = x.shape
    p = h // size if grid else size
    parts = x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1).reshape(n, (h // p) * (w // p), p * p, c)
    if grid:
        parts = torch.swapaxes(parts, -2, -3)
    b, g, length, d = parts.shape
    q, k, v = torch.chunk(attn.to_qkv(parts), 3, dim=-1)
    q, k, v = (t.reshape(b, g, length, heads, d // heads).permute(0, 1, 3, 2, 4) for t in (q, k, v))
    k = k * d**-0.5
    scores = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k)
    index = attn.relative_position_index.view(-1)
    bias = attn.relative_position_bias_table[index].view(length, length, -1).permute(2, 0, 1).contiguous()
    out = torch.einsum("B G H I J, B G H J D -> B G H I D", F.softmax(scores + bias.unsqueeze(0), dim=-1), v)
    out = attn.merge(out.permute(0, 1, 3, 2, 4).reshape(b, g, length, d))
    if grid:
        out = torch.swapaxes(out, -2, -3)
    out = out.reshape(n, h // p, w // p, p, p, c).permute(0, 5, 1, 3, 2, 4)
    return out.reshape(n, c, h, w)


def test_partition_attention_counts_the_projections_and_both_products() -> None:
    # 8 channels on 8x8 in partitions of 16 tokens: in 64*8*24, the products 2*64*16*8, out 64*8*8;
    # a table of 7*7 offsets per head, and the index of 16 x 16 pairs
    rows = layer_rows("input 8@8x8\npartitionattention(2) size=4 grid=true")
    assert rows == [("partitionattention(2) size=4 grid", (8, 8, 8), 4 * 64 + 4 * 8 + 49 * 2,
                     64 * 8 * 24 + 2 * 64 * 16 * 8 + 64 * 8 * 8)]
    assert archlang.check("input 8@8x8\npartitionattention(2) size=4").rows[0].layer.buffers == 256
    model = archlang.build("input 8@8x8\npartitionattention(2) size=4", device="meta")
    assert [(name.split(".", 1)[1], tuple(t.shape)) for name, t in model.state_dict().items()] == [
        ("relative_position_bias_table", (49, 2)), ("relative_position_index", (16, 16)),
        ("to_qkv.weight", (24, 8)), ("to_qkv.bias", (24,)), ("merge.weight", (8, 8)), ("merge.bias", (8,))]


@pytest.mark.parametrize(("size", "grid"), [(4, False), (4, True), (2, True), (8, True)])
def test_partition_attention_computes_torchvisions_block_and_grid_attention(size: int, grid: bool) -> None:
    model = archlang.build(f"input 8@8x8\npartitionattention(2) size={size} grid={str(grid).lower()}").eval()
    _randomised(model, 8)
    (attn,) = model.children()
    assert torch.equal(attn.relative_position_index, _reference_index(size).view(size * size, size * size))
    x = torch.randn(2, 8, 8, 8, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        expected = _reference_partition_attention(x, attn, size, 2, grid)
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-6)


def test_bad_partitions_are_coded_errors() -> None:
    assert codes("input 8@8x6\npartitionattention(2) size=4") == [("E308", 2, 1)]
    assert codes("input 6@8x8\npartitionattention(4) size=4") == [("E304", 2, 1)]
    assert codes("input 8@8\npartitionattention(2) size=4") == [("E305", 2, 1)]


def test_the_receptive_field_grows_by_what_one_token_sees() -> None:
    # a 7x7 window on 14x14: 1 + 6; on a 4x4 map one window sees all 4; a 4x4 grid on 8x8 spans 3*2 + 1 = 7
    rows = archlang.check("input 8@14x14\nwindowattention(2) window=7 shift=3, patchmerge, patchmerge, "
                          "windowattention(4) window=7").rows
    assert [row.rf for row in rows] == [((7, 7), (1, 1)), ((8, 8), (2, 2)), ((10, 10), (4, 4)), ((22, 22), (4, 4))]
    rows = archlang.check("input 8@8x8\npartitionattention(2) size=4, partitionattention(2) size=4 grid=true").rows
    assert [row.rf for row in rows] == [((4, 4), (1, 1)), ((10, 10), (1, 1))]
