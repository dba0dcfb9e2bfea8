"""Issue 14, point 6: a spec that ends in softmax meets F.cross_entropy.

The decision (archlang/logits.py): the spec stays as the paper writes it and
`archc check` is silent; building warns (W401, at the softmax) unless
`logits=` says what is wanted; `logits=True` / `--logits` drops the final
softmax so the module returns logits, the values the full model has before
its softmax.
"""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from conftest import ARCHITECTURES_DIR, archc_in_process_outputs, write
from torch import nn

import archlang
from archlang.logits import final_softmax, softmax_warning, without_final_softmax

SPEC = "network tiny\ninput 1@8x8\nact relu\nconv3-8, pool, fc-32, fc-10, softmax\n"
# the softmax: line 4, column 30 ("conv3-8, pool, fc-32, fc-10, " is 29 characters)


def _built(spec: str, **keywords: object) -> tuple[nn.Module, list[str]]:
    """The module and the messages of the warnings building it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = archlang.build(spec, **keywords)  # type: ignore[arg-type]
    return model, [str(w.message) for w in caught if "W401" in str(w.message)]


def test_the_warning_points_at_the_softmax() -> None:
    warning = softmax_warning(archlang.check(SPEC))
    assert warning is not None
    assert (warning.severity, warning.code, warning.line, warning.col) == ("warning", "W401", 4, 30)
    assert warning.message == ("the network ends in softmax, but nn.CrossEntropyLoss (F.cross_entropy) expects "
                               "logits: fed probabilities, its loss barely moves")
    assert "logits=True" in (warning.hint or "") and "--logits" in (warning.hint or "")


def test_act_softmax_on_the_last_layer_is_found_too() -> None:
    spec = "network t\ninput 16\nfc-8 act=relu, fc-4 act=softmax\n"
    warning = softmax_warning(archlang.check(spec))
    assert warning is not None and (warning.line, warning.col) == (3, 16)
    assert "(fc-4 act=softmax)" in warning.message
    model, _ = _built(spec, logits=True)
    assert isinstance(list(model.children())[-1], nn.Linear)


def test_build_warns_unless_logits_is_given() -> None:
    _, messages = _built(SPEC)
    assert len(messages) == 1 and messages[0].startswith("<string>:4:30: warning[W401]: the network ends in softmax")
    assert _built(SPEC, logits=False)[1] == [] and _built(SPEC, logits=True)[1] == []
    assert isinstance(list(_built(SPEC, logits=False)[0].children())[-1], nn.Softmax)


def test_check_does_not_warn() -> None:
    """The spec is right as the paper writes it; the loss is a matter of the module."""
    assert [d.code for d in archlang.check(SPEC).diagnostics] == []
    assert archlang.check(ARCHITECTURES_DIR / "vgg16.arch").diagnostics == []


def test_logits_returns_the_values_before_the_softmax() -> None:
    torch.manual_seed(0)
    full, _ = _built(SPEC, logits=False)
    logits, _ = _built(SPEC, logits=True)
    logits.load_state_dict(full.state_dict())  # the softmax holds no tensors: the same state
    assert isinstance(list(full.children())[-1], nn.Softmax)
    assert isinstance(list(logits.children())[-1], nn.Linear)
    seen: list[torch.Tensor] = []
    list(full.children())[-1].register_forward_hook(lambda module, args, out: seen.append(args[0]))
    x = torch.randn(5, 1, 8, 8)
    full.eval(), logits.eval()
    with torch.no_grad():
        probabilities, scores = full(x), logits(x)
    assert torch.equal(scores, seen[0])
    assert torch.allclose(torch.softmax(scores, dim=1), probabilities)


def test_cross_entropy_learns_with_logits_and_barely_moves_without() -> None:
    """The issue's symptom and its cure: 20 steps of SGD on one seeded batch."""
    def losses(logits: bool) -> tuple[float, float]:
        torch.manual_seed(0)
        model, _ = _built(SPEC, logits=logits)
        x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        history = []
        for _ in range(20):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        return history[0], history[-1]

    first, last = losses(True)
    assert last < 0.8 * first  # 2.32 -> 1.64
    first, last = losses(False)
    assert first - last < 0.05  # 2.3025 -> 2.2869: a softmax of a softmax is nearly flat


def test_a_softmax_in_a_block_or_a_conditional_is_dropped() -> None:
    block = "network t\ninput 16\ndef head(n) = fc-n, softmax\nfc-8 act=relu, head(4)\n"
    assert final_softmax(archlang.check(block)) is not None
    assert isinstance(list(_built(block, logits=True)[0].modules())[-1], nn.Linear)
    optional = "network t(probs = true)\ninput 16\nfc-4\nsoftmax if probs\n"
    assert softmax_warning(archlang.check(optional)).line == 4  # type: ignore[union-attr]
    assert softmax_warning(archlang.check(optional, probs=False)) is None
    assert isinstance(list(_built(optional, logits=True)[0].children())[-1], nn.Linear)


def test_side_outputs_keep_their_softmax() -> None:
    spec = "network t\ninput 16\nfc-8 act=relu\nside[fc-3, softmax]\nfc-4, softmax\n"
    network = without_final_softmax(archlang.check(spec))
    assert [row.layer.kind.name for row in network.rows] == ["fc", "fc", "softmax", "fc"]
    model, _ = _built(spec, logits=True)
    outputs = model(torch.randn(2, 16))
    assert torch.allclose(outputs[1].sum(dim=1), torch.ones(2))  # the side output: still probabilities


def test_a_network_without_softmax_is_unchanged() -> None:
    network = archlang.check(ARCHITECTURES_DIR / "resnet18.arch")
    assert final_softmax(network) is None and without_final_softmax(network) is network


def test_archc_build_logits(tmp_path) -> None:
    path = str(write(tmp_path, "tiny.arch", SPEC))
    status, _, err = archc_in_process_outputs("build", path, "-o", str(tmp_path / "kept.py"))
    assert status == 0 and f"{path}:4:30: warning[W401]" in err
    assert "nn.Softmax" in (tmp_path / "kept.py").read_text()
    status, _, err = archc_in_process_outputs("build", path, "-o", str(tmp_path / "logits.py"), "--logits")
    assert status == 0 and err == ""
    source = (tmp_path / "logits.py").read_text()
    assert "nn.Softmax" not in source and "softmax" not in source
    status, _, err = archc_in_process_outputs("build", path, "-o", str(tmp_path / "quiet.py"), "--no-logits")
    assert status == 0 and err == "" and (tmp_path / "quiet.py").read_text() == (tmp_path / "kept.py").read_text()


@pytest.mark.parametrize("name", ["vgg16", "kim2014", "alphago_policy", "lenet5"])
def test_shipped_architectures_build_with_logits(name: str) -> None:
    path = ARCHITECTURES_DIR / f"{name}.arch"
    network = archlang.check(path)
    assert final_softmax(network) is not None
    dropped = without_final_softmax(network)
    assert (dropped.params, dropped.rows[-1].layer.out_shape) == (network.params, network.output)
    model, messages = _built(path, device="meta", logits=True)
    assert messages == [] and not any(isinstance(m, nn.Softmax) for m in model.modules())
