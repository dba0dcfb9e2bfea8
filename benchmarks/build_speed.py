"""How fast what `archlang.build` makes runs, against the targets of the PyTorch-backend issue.

Run from the repository root: `python benchmarks/build_speed.py`. Same report as
check_speed.py (one table: figure, value, target, pass / FAIL / info; exit 1
only if a benchmark crashes), and the same way to add a figure: a function
returning a `Result`, listed in `BENCHMARKS`.

The figures:
- forward time of the built vgg16 (and resnet50, when architectures/resnet50.arch
  is there) on the CPU, eager, batch 4, one thread, against a hand-written
  torchvision-style module of the same network timed in the same run,
  alternating the two; the median ratio of the rounds' pairs must be at most
  1.03: generated code costs nothing.
- `archlang.build(..., device="meta")`: check, codegen, exec and construction
  without allocating, for information; for the zoo's largest model (by
  parameters) against the zoo issue's target of 0.5 s.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

import archlang

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_speed import Result, result, run, summary, table  # the shared report

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURES = ROOT / "architectures"
BATCH = 4
ROUNDS = 10
#: One thread: the ratio is about what the generated code adds, which threads do not
#: change, and a single-threaded forward is not disturbed by whatever else the
#: machine runs (two threads on a 2-core machine swung the ratio by 10%).
THREADS = 1


# ---- hand-written references, torchvision style ---------------------------------------------


class VGG16(nn.Module):
    """torchvision's vgg16 without the adaptive pool (the input is 224x224)."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, int(v), kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = int(v)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5),
            nn.Linear(4096, 1000),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(x, 1)
        return torch.softmax(self.classifier(x), 1)


class Bottleneck(nn.Module):
    """torchvision's Bottleneck (stride in the 3x3 conv)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """torchvision's resnet50."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages, inplanes = [], 64
        for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            layer = [Bottleneck(inplanes, planes, stride)]
            inplanes = planes * 4
            layer += [Bottleneck(inplanes, planes) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*layer))
        self.layers = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.layers(x))
        return self.fc(torch.flatten(x, 1))


# ---- timing -------------------------------------------------------------------------------------


def best_forward(model: nn.Module, x: torch.Tensor) -> float:
    with torch.no_grad():
        start = time.perf_counter()
        model(x)
        return time.perf_counter() - start


def alternated(models: dict[str, nn.Module], x: torch.Tensor) -> dict[str, list[float]]:
    """Forward times of each model, `ROUNDS` each, in alternating order."""
    for model in models.values():
        best_forward(model, x)  # warm up allocator and kernels
    times: dict[str, list[float]] = {key: [] for key in models}
    pairs = list(models.items())
    for round_ in range(ROUNDS):
        for key, model in pairs if round_ % 2 == 0 else pairs[::-1]:  # neither always goes first
            times[key].append(best_forward(model, x))
    return times


def against_reference(name: str, reference: Callable[[], nn.Module]) -> list[Result]:
    """Best forward times of the built module and the reference, alternated
    so that both see the same machine; and their ratio."""
    spec = ARCHITECTURES / f"{name}.arch"
    network = archlang.check(spec)
    built, ref = archlang.build(spec).eval(), reference().eval()
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in ref.parameters())
    x = torch.randn(BATCH, *network.input)
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        times = alternated({"built": built, "reference": ref}, x)
    finally:
        torch.set_num_threads(threads)
    # The ratio of each round's pair, then the median: a pause of the machine
    # or a slow drift disturbs one pair, or both of its halves alike.
    ratio = statistics.median(b / r for b, r in zip(times["built"], times["reference"]))
    what = f"{name} forward, CPU eager, batch {BATCH}, {THREADS} thread (best of {ROUNDS})"
    return [
        result(f"{what}: archlang.build", min(times["built"]), "s"),
        result(f"{what}: hand-written reference", min(times["reference"]), "s"),
        result(f"{name}: built / reference (median of {ROUNDS} paired rounds)", ratio, "x", 1.03),
    ]


def meta_build(name: str) -> Result:
    spec = ARCHITECTURES / f"{name}.arch"
    archlang.build(spec, device="meta")  # first call pays for imports
    times = []
    for _ in range(3):
        start = time.perf_counter()
        archlang.build(spec, device="meta")
        times.append(time.perf_counter() - start)
    return result(f'archlang.build("{name}.arch", device="meta") (best of 3)', min(times), "s")


def zoo_meta_build() -> list[Result]:
    """The zoo's largest model (most parameters) built on the meta device: target 0.5 s (the zoo issue)."""
    from archlang import zoo

    reference = json.loads((ROOT / "tests" / "golden" / "torchvision-zoo.json").read_text())
    largest = max(zoo.models(), key=lambda name: reference.get(name, {}).get("params", 0))
    archlang.build(largest, device="meta")  # the first call pays for imports
    times = []
    for _ in range(3):
        start = time.perf_counter()
        archlang.build(largest, device="meta")
        times.append(time.perf_counter() - start)
    return [result(f'archlang.build("{largest}", device="meta"), the zoo\'s largest (best of 3)', min(times), "s",
                   0.5)]


def vgg16() -> list[Result]:
    return against_reference("vgg16", VGG16)


def resnet50() -> list[Result]:
    if not (ARCHITECTURES / "resnet50.arch").exists():
        return [result("resnet50: skipped, architectures/resnet50.arch is not there", 0.0, "")]
    return against_reference("resnet50", ResNet50)


def meta_builds() -> list[Result]:
    return [meta_build(name) for name in ("vgg16", "resnet50") if (ARCHITECTURES / f"{name}.arch").exists()]


BENCHMARKS: list[Callable[[], list[Result]]] = [vgg16, resnet50, meta_builds, zoo_meta_build]


def main() -> int:
    print(f"archlang {archlang.__version__} build speed, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    rows: list[Result] = []
    for benchmark in BENCHMARKS:
        outcome = run(benchmark)  # type: ignore[arg-type]
        rows += outcome if isinstance(outcome, list) else [outcome]
    print(table(rows))
    print(summary(rows))
    return 1 if any(row.value != row.value for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
