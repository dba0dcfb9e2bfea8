"""The kinds the vision transformers need: the patch embedding, self-attention and one token.

Each with its shape, counts (MACs as FlopCounterMode counts them, the two
attention products included), generated PyTorch form, state_dict order and
forward values, and the errors bad input gives.
"""

from __future__ import annotations

import pytest
from conftest import codes, layer_rows

import archlang
from archlang import codegen

torch = pytest.importorskip("torch")
F = torch.nn.functional


def test_the_patch_embedding_makes_tokens_with_a_class_token_first() -> None:
    # 8x6 in patches of 2: 4 x 3 = 12 patches and the class token; 3*2*2*6 weights + 6 biases,
    # the class token (6) and the position embedding (13 x 6)
    assert layer_rows("input 3@8x6\npatchembed-6 patch=2") == [
        ("patchembed2-6", (6, 13), 6 + 3 * 4 * 6 + 6 + 13 * 6, 3 * 4 * 6 * 12)]
    model = archlang.build("input 3@8x6\npatchembed-6 patch=2", device="meta")
    assert [tuple(t.shape) for t in model.state_dict().values()] == [(1, 1, 6), (6, 3, 2, 2), (6,), (1, 13, 6)]


def test_the_patch_embedding_computes_torchvisions_process_input_and_concatenation() -> None:
    model = archlang.build("input 3@8x6\npatchembed-6 patch=2").eval()
    embed = next(iter(model.children()))
    x = torch.randn(2, 3, 8, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.nn.init.normal_(embed.class_token)
        patches = F.conv2d(x, embed.weight, embed.bias, stride=2).reshape(2, 6, 12).permute(0, 2, 1)
        tokens = torch.cat([embed.class_token.expand(2, -1, -1), patches], 1) + embed.pos_embedding
        assert torch.equal(model(x), tokens.transpose(1, 2))


def test_attention_counts_the_projections_and_both_products() -> None:
    # 8 features, 5 tokens: in 5*8*24, QK^T and AV 2*5*5*8, out 5*8*8
    rows = layer_rows("input 3@8x8\npatchembed-8 patch=4, attention(2), token(0)")
    assert rows[1] == ("attention(2)", (8, 5), 4 * 64 + 4 * 8, 5 * 8 * 24 + 2 * 5 * 5 * 8 + 5 * 8 * 8)
    assert rows[2] == ("token(0)", (8,), 0, 0)


def test_attention_is_nn_multiheadattention_on_the_tokens() -> None:
    model = archlang.build("input 3@8x8\npatchembed-8 patch=4, attention(2)").eval()
    assert [tuple(t.shape) for t in model.state_dict().values()][4:] == [(24, 8), (24,), (8, 8), (8,)]
    assert "SelfAttention(8, 2)" in codegen.python(archlang.check("input 3@8x8\npatchembed-8 patch=4, attention(2)"))
    embed, attention = model.children()
    reference = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    reference.load_state_dict(attention.state_dict())
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        tokens = embed(x).transpose(1, 2).contiguous()
        expected, _ = reference(tokens, tokens, tokens, need_weights=False)
        assert torch.allclose(model(x), expected.transpose(1, 2), atol=1e-6)


def test_bad_token_shapes_are_coded_errors() -> None:
    assert [c for c, _, _ in codes("input 3@8x8\nattention(2)")] == ["E305"]
    assert [c for c, _, _ in codes("input 3@8x8\npatchembed-6 patch=4, attention(4)")] == ["E304"]
    assert [c for c, _, _ in codes("input 3@8x8\npatchembed-6 patch=4, token(5)")] == ["E308"]
    assert [c for c, _, _ in codes("input 3@8x8\npatchembed-6 patch=16")] == ["E302"]
    assert [c for c, _, _ in codes("input 12\npatchembed-6 patch=2")] == ["E305"]
