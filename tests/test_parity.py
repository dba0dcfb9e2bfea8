"""Parity: the built PyTorch module agrees with the checker, for every shipped spec.

timm's pattern: one test parametrized over every file in architectures/ (globbed
at collection, so a new file is tested the day it lands), plus the variants
whose -D switches add layers (inception_v3's side output, Kim's two channels).
For each: the module's parameter count is the checker's, a forward pass on the
declared input gives the checker's output shape (and its side outputs' shapes),
and FlopCounterMode's total / 2 is the checker's MAC count. Then the ecosystem:
torch.export, and two training steps under DistributedDataParallel.

MAC parity holds for every layer kind, with no exception. FlopCounterMode counts
convolutions and matrix multiplies; for the kinds where it sees neither, the
checker counts 0 MACs as well:
- lrn, pools (LeNet-5's subsample too: a pool times a coefficient), batch norm,
  position bias, dropout, activations, and embed (a table lookup);
- locally connected layers are counted through the einsum (a batched matmul)
  their helper class uses, which FlopCounterMode sees;
- partialconv is one grouped convolution per row width of its table, holding
  exactly the connected weights, so its count is the checker's;
- rbf computes its squared distances as |x|^2 - 2 x.w + |w|^2, whose x.w is one
  matmul of in x out multiply-accumulates: the checker's count.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from conftest import ARCHITECTURES, ARCHITECTURES_DIR, ROOT
from torch.utils.flop_counter import FlopCounterMode

import archlang

#: Every shipped file with its defaults, and the -D variants that add layers.
CASES = [(spec, {}) for spec in ARCHITECTURES] + [
    (ARCHITECTURES_DIR / "inception_v3.arch", {"aux": True}),
    (ARCHITECTURES_DIR / "kim2014.arch", {"multichannel": True}),
]


def case_id(case: tuple[Path, dict[str, object]]) -> str:
    spec, params = case
    return "-".join([spec.stem, *(f"{k}={v}" for k, v in params.items())])


def build(spec: Path, params: dict[str, object], device: str | None = None):
    network = archlang.check(spec, **params)
    return network, archlang.build(spec, device=device, **params)


def outputs(model: torch.nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The main output, then the side outputs (forward returns a tuple when there are any)."""
    y = model(x)
    return y if isinstance(y, tuple) else (y,)


def example_input(network: archlang.CheckedNetwork, model: torch.nn.Module, device: str | None = None):
    """Zeros of the declared shape: token id 0 for a network that embeds ids."""
    assert model.input_shape == network.input
    return torch.zeros(1, *network.input, dtype=model.input_dtype, device=device)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_parity(case: tuple[Path, dict[str, object]]) -> None:
    torch.manual_seed(0)
    network, model = build(*case)
    assert sum(p.numel() for p in model.parameters()) == network.params
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        ys = outputs(model.eval(), example_input(network, model))
    assert [tuple(y.shape[1:]) for y in ys] == [network.output, *network.side_outputs]
    assert counter.get_total_flops() / 2 == network.macs


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_meta_build_matches(case: tuple[Path, dict[str, object]]) -> None:
    network, model = build(*case, device="meta")
    assert sum(p.numel() for p in model.parameters()) == network.params
    ys = outputs(model.eval(), example_input(network, model, device="meta"))  # batch 1: eval for batch norm
    assert [tuple(y.shape[1:]) for y in ys] == [network.output, *network.side_outputs]


def test_side_output_inception_v3() -> None:
    """-D aux=true: forward returns (logits, aux_logits), torchvision's pair, and
    the parameters are torchvision's inception_v3 with aux_logits=True."""
    network, model = build(ARCHITECTURES_DIR / "inception_v3.arch", {"aux": True}, device="meta")
    assert network.side_outputs == ((1000,),)
    assert sum(p.numel() for p in model.parameters()) == 27_161_264
    main, aux = model(torch.zeros(2, 3, 299, 299, device="meta"))
    assert main.shape == aux.shape == (2, 1000)


def test_lenet5_1998_as_published() -> None:
    """C3 holds exactly Table I's weights, S2/S4 a coefficient and a bias per map,
    and the RBF prototypes are a fixed buffer of -1 and +1, not parameters."""
    from archlang.layers import LENET5_TABLE

    torch.manual_seed(0)
    model = archlang.build(ARCHITECTURES_DIR / "lenet5_1998.arch")
    c3, s2, output = model.partialconv2, model.subsample1, model.rbf4
    assert sum(p.numel() for p in c3.parameters()) == 1_516
    assert sum(p.numel() for p in s2.parameters()) == 12
    assert list(output.parameters()) == [] and set(output.prototypes.unique().tolist()) == {-1.0, 1.0}
    # Output map j of C3 depends on exactly the input maps Table I gives it.
    x = torch.randn(1, 6, 14, 14, requires_grad=True)
    for j, row in enumerate(LENET5_TABLE):
        (grad,) = torch.autograd.grad(c3(x)[0, j].sum(), x)
        assert [i for i in range(6) if grad[0, i].abs().sum() > 0] == list(row)
    # S2 sums each 2x2 window: a coefficient of 1 and a bias of 0 give the sum.
    ones = torch.ones(1, 6, 4, 4)
    assert torch.equal(s2(ones), torch.full((1, 6, 2, 2), 4.0))
    # Each RBF unit is the squared distance to its prototype.
    h = torch.randn(3, 84)
    expected = ((h[:, None, :] - output.prototypes[None]) ** 2).sum(-1)
    assert torch.allclose(output(h), expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("text", ["input 1@4\nl2pool2", "input 1@2x2\nl2pool2", "input 1@4\nsubsample2"])
def test_window_sums_in_one_and_two_dimensions(text: str) -> None:
    """L2 pooling and LeNet's subsampling sum over the window's true size: 2 taps
    on a 1-D input, 4 on a 2-D one (the L2 norm of 3 and 4 is 5; their sum 7)."""
    model = archlang.build(f"network w\n{text}")
    x = torch.tensor([3.0, 4.0, 0.0, 0.0]).reshape(1, 1, *archlang.check(f"network w\n{text}").input[1:])
    expected = 7.0 if "subsample" in text else 5.0
    assert model(x).flatten()[0].item() == pytest.approx(expected)


def test_kim2014_embeds_token_ids() -> None:
    """A LongTensor of 56 token ids gives 300@56 word vectors, channels first;
    the static channel of CNN-multichannel is frozen but still a parameter."""
    model = archlang.build(ARCHITECTURES_DIR / "kim2014.arch", multichannel=True)
    assert model.input_dtype == torch.long
    embeds = [m for m in model.modules() if isinstance(m, torch.nn.Embedding)]
    assert [e.weight.requires_grad for e in embeds] == [False, True]
    assert [e.weight.shape for e in embeds] == [(18765, 300)] * 2
    ids = torch.randint(0, 18765, (4, 56))
    assert embeds[0](ids).shape == (4, 300, 56)
    assert torch.equal(embeds[0](ids)[1, :, 7], embeds[0].weight[ids[1, 7]])
    assert model(ids).shape == (4, 2)


def test_parameters_and_bn_variant() -> None:
    """-D reaches the module: vgg16_bn has torchvision's vgg16_bn count."""
    model = archlang.build(ARCHITECTURES_DIR / "vgg16.arch", device="meta", bn=True)
    assert sum(p.numel() for p in model.parameters()) == 138_365_992
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) == 13


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg16", "resnet18"])
def test_torch_export(name: str) -> None:
    spec = ARCHITECTURES_DIR / f"{name}.arch"
    if not spec.exists():
        pytest.skip(f"{spec.name} is not shipped yet")
    network, model = build(spec, {})
    exported = torch.export.export(model.eval(), (torch.zeros(1, *network.input),))
    assert exported.module()(torch.zeros(1, *network.input)).shape == (1, *network.output)


# ---- DistributedDataParallel: two processes, gloo, CPU ------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, out: str) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    torch.manual_seed(rank)  # different initial weights: DDP must broadcast rank 0's
    model = DistributedDataParallel(archlang.build(ARCHITECTURES_DIR / "mnist_tf.arch"))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(2):
        torch.manual_seed(100 * rank + step)  # each rank its own batch
        x, labels = torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,))
        optimizer.zero_grad()
        loss = torch.nn.functional.nll_loss(torch.log(model(x) + 1e-9), labels)
        loss.backward()
        optimizer.step()
    flat = torch.cat([p.detach().flatten() for p in model.module.parameters()])
    torch.save(flat, Path(out) / f"rank{rank}.pt")
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_training_steps_under_ddp() -> None:
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as out:
        mp.spawn(_ddp_worker, args=(2, _free_port(), out), nprocs=2, join=True)
        first, second = (torch.load(Path(out) / f"rank{r}.pt") for r in range(2))
    assert torch.equal(first, second)
    fresh = torch.cat([p.flatten() for p in archlang.build(ARCHITECTURES_DIR / "mnist_tf.arch").parameters()])
    assert first.shape == fresh.shape


@pytest.mark.slow
def test_xor_example_reproduces_the_seed() -> None:
    """Seed 000's figures, exactly as the example prints them with its fixed seed 0:
    the sigmoid net stays at loss 0.25 and accuracy 0.5, the ReLU net reaches
    accuracy 1.0. (Other seeds need not reproduce them: see the example's docstring.)"""
    import subprocess
    import sys

    example = ROOT / "examples" / "xor_vanishing.py"
    run = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=300, check=True)
    sigmoid, relu = (line.split() for line in run.stdout.splitlines())
    assert sigmoid == ["xor_sigmoid", "loss", "0.2500", "accuracy", "0.50"]
    assert relu[:2] == ["xor_relu", "loss"] and relu[3:] == ["accuracy", "1.00"]
    assert float(relu[2]) < 0.01  # the seed gives no figure for it; 0.0020 with torch 2.13 on CPU
