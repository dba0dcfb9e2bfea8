"""Issue 14, point 2: the accounting torchinfo and Keras users look for.

Trainable, frozen and buffer counts (against the built module's tensors),
`--batch` / `batch=` scaling shapes and memory, the memory estimate for
inference and a training step (against figures worked out by hand for a
small network, to the byte), and sizes in a unit that reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import ARCHITECTURES_DIR, archc_in_process_outputs, write

import archlang
from archlang import accounting
from archlang.report import totals
from archlang.units import fp32_size

KIM = ARCHITECTURES_DIR / "kim2014.arch"

#: A network small enough to account for by hand (see the figures in the test below).
TINY = "network tiny\ninput 1@4x4\nact relu\nconv3-2 bn=true, pool, fc-3\n"


def test_kims_multichannel_net_splits_as_torchinfo_does() -> None:
    """The issue's figures: torchinfo says 6,350,402 trainable and 5,629,500 frozen
    (the static copy of the word vectors, 18,765 x 300), 11,979,902 in all."""
    network = archlang.check(KIM, multichannel=True)
    assert (network.params, network.trainable, network.frozen) == (11_979_902, 6_350_402, 5_629_500)
    assert network.frozen == 18_765 * 300
    lines = totals(network)
    assert lines[1] == "params      11,979,902 (45.7 MiB at fp32)"
    assert lines[2] == "            6,350,402 trainable, 5,629,500 frozen"
    assert lines[3] == "buffers     0 values besides the parameters (running statistics, fixed tables)"


def test_kim_counts_are_the_built_modules_requires_grad() -> None:
    model = archlang.build(KIM, device="meta", multichannel=True)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 6_350_402
    assert sum(p.numel() for p in model.parameters() if not p.requires_grad) == 5_629_500


@pytest.mark.parametrize(("name", "params"), [("resnet18", {}), ("vgg16", {"bn": True}), ("lenet5_1998", {}),
                                              ("googlenet", {}), ("kim2014", {"multichannel": True}),
                                              ("inception_v3", {"aux": True})])
def test_counts_equal_the_built_module(name: str, params: dict[str, object]) -> None:
    """Trainable and frozen: the parameters with and without requires_grad; buffers:
    the floating-point buffers (running means and variances, RBF prototypes; batch
    norm's int64 counter num_batches_tracked is not a value of the network)."""
    path = ARCHITECTURES_DIR / f"{name}.arch"
    network = archlang.check(path, **params)
    model = archlang.build(path, device="meta", **params)
    assert network.trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert network.frozen == sum(p.numel() for p in model.parameters() if not p.requires_grad)
    assert network.buffers == sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert (network.buffers > 0) == (name not in ("kim2014", "googlenet"))  # the paper's GoogLeNet has no BN


def test_memory_of_a_small_network_to_the_byte() -> None:
    """By hand, batch 2, Adam. conv3-2 with bn on 1@4x4 (pad same): 2@4x4, (9 + 1) x 2 = 20
    weights and biases + 4 for batch norm = 24 parameters and 4 buffer values; pool: 2@2x2;
    flatten: 8; fc-3: 9 x 3 = 27. 51 parameters, 51 output values per example.
    input 2 x 16 x 4 = 128; parameters 51 x 4 = 204; buffers 16; forward: the largest
    input + output is conv1's, 16 + 32 values, x 2 x 4 = 384; gradients 204; Adam two
    copies, 408; kept for backward, per example: conv1's output twice (batch norm keeps
    its input, relu its output), 2 x 32 x 4 = 256, the pool's output and int64 indices,
    8 x 12 = 96, nothing for the flatten (a view), fc2's output 3 x 4 = 12: 364, x 2 = 728."""
    network = archlang.check(TINY, batch=2, optimizer="adam")
    assert (network.params, network.buffers, network.activation_elements) == (51, 4, 51)
    m = accounting.memory(network)
    assert dict(m.items()) == {"input": 128, "parameters": 204, "buffers": 16, "forward": 384, "inference": 732,
                               "gradients": 204, "optimizer_state": 408, "saved": 728, "training": 1688}
    assert m.inference == 128 + 204 + 16 + 384
    assert m.training == 128 + 204 + 16 + 204 + 408 + 728


def _autograd_keeps(path: Path, batch: int) -> int:
    """Bytes of the distinct tensors (parameters aside) autograd keeps for the backward of a training forward."""
    network = archlang.check(path)
    model = archlang.build(path, logits=True).train()
    kept: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        kept[storage.data_ptr()] = storage.nbytes()
        return tensor

    torch.manual_seed(0)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(torch.randn(batch, *network.input))  # type: ignore[misc]
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    return sum(size for pointer, size in kept.items() if pointer not in weights)


@pytest.mark.parametrize(("name", "batch"), [("mnist_keras", 2), ("lenet5", 2), ("resnet18", 2), ("googlenet", 1)])
def test_kept_for_backward_is_what_autograd_keeps(name: str, batch: int) -> None:
    """The estimate against torch: within 1% (the input counts too: the first layer keeps it).
    mnist_keras: 323,032 estimated / 322,072 kept; resnet18 44,367,680 / 44,436,480 at batch 2."""
    path = ARCHITECTURES_DIR / f"{name}.arch"
    estimate = accounting.memory(archlang.check(path, batch=batch))
    measured = _autograd_keeps(path, batch)
    assert abs(estimate.saved + estimate.input - measured) <= 0.01 * measured


@pytest.mark.parametrize(("optimizer", "state"), [("sgd", 0), ("momentum", 204), ("adam", 408), ("adamw", 408)])
def test_optimizer_state_is_copies_of_the_trainable_parameters(optimizer: str, state: int) -> None:
    assert accounting.memory(archlang.check(TINY, optimizer=optimizer)).optimizer_state == state


def test_frozen_parameters_get_no_gradient_or_state() -> None:
    network = archlang.check(KIM, multichannel=True, optimizer="adam")
    m = accounting.memory(network)
    assert m.gradients == 4 * 6_350_402 and m.optimizer_state == 2 * 4 * 6_350_402
    assert m.parameters == 4 * 11_979_902
    assert m.input == 56 * 8  # token ids are int64


def test_report_states_the_memory_with_exact_bytes() -> None:
    text = archlang.check(TINY, batch=2, optimizer="adam").summary()
    memory = text[text.index("\nmemory "):].splitlines()[1:]
    assert memory[0] == "memory      estimated at fp32 for a batch of 2, trained with adam (--batch, --optimizer):"
    assert memory[1] == "  input                   128 bytes    128  2 examples of 1@4x4"
    assert memory[4] == "  forward                 384 bytes    384  the largest input + output of a layer (conv1)"
    assert memory[7] == "  optimizer state (adam)  408 bytes    408  two moments per parameter: 2 x the gradients"
    assert memory[9] == ("  training step total       1.6 KiB  1,688  input + parameters + buffers + gradients "
                         "+ state + kept")
    assert "MACs        312 multiply-accumulates (312); FLOPs = 2 x MACs = 624" in text


def test_batch_shows_in_the_shapes_and_scales_the_memory_column() -> None:
    network = archlang.check(TINY, batch=8)
    lines = network.summary().splitlines()
    assert lines[3].split() == ["input", "8", "x", "1@4x4", "128", "1/1"]
    assert lines[4].split()[:7] == ["conv1", "conv3-2", "+", "bn", "+", "relu", "8"]
    assert "8 x 2@4x4" in lines[4] and lines[4].split()[-3] == f"{8 * 32:,}"
    assert "            per example; x 8 = 2,496 per batch" in lines
    assert archlang.check(TINY).summary().splitlines()[3].split() == ["input", "1@4x4", "16", "1/1"]


def test_check_batch_and_optimizer_on_the_command_line(tmp_path) -> None:
    path = str(write(tmp_path, "tiny.arch", TINY))
    status, out, _ = archc_in_process_outputs("check", path, "--batch", "2", "--optimizer", "adam", "--json")
    assert status == 0
    data = json.loads(out)
    assert (data["trainable"], data["frozen"], data["buffers"]) == (51, 0, 4)
    assert data["memory"] == {"batch": 2, "optimizer": "adam", "bytes_per_value": 4, "input": 128,
                              "parameters": 204, "buffers": 16, "forward": 384, "inference": 732,
                              "gradients": 204, "optimizer_state": 408, "saved": 728, "training": 1688}
    assert data["layers"][0]["out"] == [2, 4, 4]  # layers stay per example in JSON
    status, out, _ = archc_in_process_outputs("check", path, "--batch", "3")
    assert status == 0 and "3 x 2@4x4" in out


@pytest.mark.parametrize("args", [("--batch", "0"), ("--batch", "two"), ("--optimizer", "lbfgs")])
def test_bad_batch_or_optimizer_is_a_usage_error(tmp_path, args: tuple[str, str]) -> None:
    path = str(write(tmp_path, "tiny.arch", TINY))
    status, _, err = archc_in_process_outputs("check", path, *args)
    assert status == 2 and args[0] in err


@pytest.mark.parametrize("command", ["check", "build"])
def test_define_cannot_reach_check_s_own_keywords(tmp_path, command: str) -> None:
    """-D batch=4 would set the estimate's batch, not a network parameter: a usage error naming the option."""
    path = str(write(tmp_path, "tiny.arch", TINY))
    out = ["-o", str(tmp_path / "t.py")] if command == "build" else []
    status, _, err = archc_in_process_outputs(command, path, "-D", "batch=4", *out)
    assert status == 2 and "'batch' sizes the memory estimate: use --batch" in err


@pytest.mark.parametrize(("keywords", "message"), [({"batch": 0}, "batch must be"), ({"batch": 2.5}, "batch must be"),
                                                   ({"optimizer": "lbfgs"}, "optimizer must be one of")])
def test_bad_batch_or_optimizer_in_python_is_value_error(keywords: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        archlang.check(TINY, **keywords)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        archlang.analyze(TINY, **keywords)  # type: ignore[arg-type]


def test_json_of_a_failed_check_has_no_accounting(tmp_path) -> None:
    path = str(write(tmp_path, "bad.arch", "input 3@8x8\nconv9-4 p=0\n"))
    data = json.loads(archc_in_process_outputs("check", path, "--json")[1])
    assert data["ok"] is False
    assert (data["trainable"], data["frozen"], data["buffers"], data["memory"]) == (None, None, None, None)


@pytest.mark.parametrize(("values", "text"), [(0, "0 bytes"), (1, "4 bytes"), (255, "1,020 bytes"),
                                              (256, "1.0 KiB"), (5_704, "22.3 KiB"), (261_900, "1,023.0 KiB"),
                                              (262_143, "1.0 MiB"), (138_357_544, "527.8 MiB"),
                                              (250_890_000_000, "934.6 GiB")])
def test_sizes_read_never_zero_point_zero(values: int, text: str) -> None:
    assert fp32_size(values) == text
