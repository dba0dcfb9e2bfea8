"""Parity: the built PyTorch module agrees with the checker, for every shipped spec.

timm's pattern: one test parametrized over every file in architectures/ (globbed
at collection, so a new file is tested the day it lands). For each: the
module's parameter count is the checker's, a forward pass on the declared
input gives the checker's output shape, and FlopCounterMode's total / 2 is the
checker's MAC count. Then the ecosystem: torch.export, and two training steps
under DistributedDataParallel.

Exceptions to the MAC parity, by kind (none in the shipped files today):
- lrn, pools, batch norm, position bias, activations: the checker counts 0 MACs
  and FlopCounterMode sees no matmul or convolution in them either;
- locally connected layers are counted through the einsum (a batched matmul)
  their helper class uses, which FlopCounterMode sees: they agree as well.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch.utils.flop_counter import FlopCounterMode

import archlang

ARCHITECTURES = Path(__file__).resolve().parent.parent / "architectures"
SPECS = sorted(ARCHITECTURES.glob("*.arch"))


def build_or_skip(spec: Path, **kwargs: object) -> tuple[archlang.CheckedNetwork, torch.nn.Module]:
    network = archlang.check(spec)
    try:
        return network, archlang.build(spec, **kwargs)
    except archlang.ArchError as error:
        if error.diagnostics[0].code == "E402":  # a kind codegen cannot write yet
            pytest.skip(error.diagnostics[0].message)
        raise


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_parity(spec: Path) -> None:
    torch.manual_seed(0)
    network, model = build_or_skip(spec)
    assert sum(p.numel() for p in model.parameters()) == network.params
    x = torch.zeros(1, *network.input)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        y = model.eval()(x)
    assert tuple(y.shape[1:]) == network.output
    assert counter.get_total_flops() / 2 == network.macs


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_meta_build_matches(spec: Path) -> None:
    network, model = build_or_skip(spec, device="meta")
    assert sum(p.numel() for p in model.parameters()) == network.params
    assert tuple(model(torch.zeros(1, *network.input, device="meta")).shape[1:]) == network.output


def test_parameters_and_bn_variant() -> None:
    """-D reaches the module: vgg16_bn has torchvision's vgg16_bn count."""
    model = archlang.build(ARCHITECTURES / "vgg16.arch", device="meta", bn=True)
    assert sum(p.numel() for p in model.parameters()) == 138_365_992
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) == 13


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg16", "resnet18"])
def test_torch_export(name: str) -> None:
    spec = ARCHITECTURES / f"{name}.arch"
    if not spec.exists():
        pytest.skip(f"{spec.name} is not shipped yet")
    network, model = build_or_skip(spec)
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
    model = DistributedDataParallel(archlang.build(ARCHITECTURES / "mnist_tf.arch"))
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
    fresh = torch.cat([p.flatten() for p in archlang.build(ARCHITECTURES / "mnist_tf.arch").parameters()])
    assert first.shape == fresh.shape


@pytest.mark.slow
def test_xor_example_reproduces_the_seed() -> None:
    """Seed 000: the sigmoid net stays at loss 0.25 / accuracy 0.5; ReLU reaches 1.0."""
    import subprocess
    import sys

    example = ARCHITECTURES.parent / "examples" / "xor_vanishing.py"
    run = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=300, check=True)
    results = {line.split()[0]: line.split() for line in run.stdout.splitlines()}
    assert results["xor_sigmoid"][2:] == ["0.2500", "accuracy", "0.50"]
    assert float(results["xor_relu"][2]) < 0.05 and results["xor_relu"][4] == "1.00"
