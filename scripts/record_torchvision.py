"""Record the torchvision zoo's outputs under the oracle's fill: writes tests/golden/zoo_outputs.json.

Needs torchvision, which is NOT a dependency of archlang: run with a Python that has torch==2.14.1 and
torchvision==0.29.1 (the versions the committed file was made with), from the repository root:

    python scripts/record_torchvision.py --reference torchvision-zoo.json            # all 80 models
    python scripts/record_torchvision.py --reference torchvision-zoo.json resnet50   # re-record some
    python scripts/record_torchvision.py --reference torchvision-zoo.json --check    # compare, write nothing

The reference file holds, per model, the params, MACs, input/output shapes and state_dict signature that
torchvision's modules were measured with (see its figures.md). For each model this script:

1. builds the torchvision module with weights=None and the constructor arguments of the measurement
   (`CONSTRUCTORS`), in eval mode;
2. checks its params, its state_dict signature (names and shapes, in order), its output shape and its
   MACs (FlopCounterMode's total // 2) against the reference, and reports every difference;
3. fills its state with `zoo_reference.fill_state` (tests/zoo_reference.py), runs the eval forward under
   torch.no_grad() on `zoo_reference.reference_input` at amplitude 1 and at `AMPLIFIED`, and records the
   fingerprints, the positions of the parameters, and a sha256 of every buffer left as constructed.

MACs are counted on a copy of the module on the meta device, as the reference was: on the CPU, under
no_grad, ViT's nn.MultiheadAttention takes a fused kernel (and with grad, scaled_dot_product_attention
takes a fused CPU kernel) whose matrix products FlopCounterMode does not see, so a CPU count of a ViT
comes out lower than the published figure; on the meta device attention runs as plain bmm/addmm.

Entries of models not named on the command line are kept from the existing file, so re-recording a few
models leaves the others alone. `--check` records into memory and compares with the file: fingerprints
with `zoo_reference.matches`, and the rest for equality; it exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import gc
import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import torch
import zoo_reference
from torch.utils.flop_counter import FlopCounterMode

try:
    import torchvision
except ImportError:  # the project's own environment: torchvision does not import beside its torch
    torchvision = None

GOLDEN = ROOT / "tests" / "golden" / "zoo_outputs.json"

#: Constructor arguments beyond weights=None, where the defaults differ from the measured module.
#: googlenet: the published model has no auxiliary classifiers (torchvision builds them for the weights,
#: then drops them); init_weights=False skips an initialisation the fill overwrites anyway (None warns).
#: inception_v3: the published model keeps AuxLogits (params and state_dict; not run in eval).
CONSTRUCTORS: dict[str, dict[str, Any]] = {
    "googlenet": {"aux_logits": False, "init_weights": False},
    "inception_v3": {"aux_logits": True, "init_weights": False},
}

#: What a spec writer must know about a recorded module that its constructor call does not say.
NOTES: dict[str, str] = {
    "googlenet": "transform_input is False with weights=None; torchvision sets it True only when it loads "
                 "the pretrained weights (then the input is re-normalised channel by channel first).",
    "inception_v3": "transform_input is False with weights=None; torchvision sets it True only when it loads "
                    "the pretrained weights. AuxLogits is built (its tensors are in the state_dict) but the "
                    "eval forward does not run it and returns the main logits only.",
    "vit_h_14": "image_size=224, the constructor's default; the published weights are at 518 "
                "(IMAGENET1K_SWAG_E2E_V1) or 224 (IMAGENET1K_SWAG_LINEAR_V1).",
}


def constructor_text(name: str) -> str:
    """The torchvision call that builds model `name`, as recorded in the golden file."""
    arguments = ", ".join(["weights=None"] + [f"{key}={value!r}" for key, value in CONSTRUCTORS.get(name, {}).items()])
    return f"torchvision.models.{name}({arguments})"


def build(name: str) -> torch.nn.Module:
    """Model `name` from torchvision, untrained, in eval mode, on the CPU."""
    return torchvision.models.get_model(name, weights=None, **CONSTRUCTORS.get(name, {})).eval()


def count_macs(model: torch.nn.Module, shape: list[int]) -> int:
    """FlopCounterMode's total // 2 for the eval forward at input (1, *shape), on a meta-device copy."""
    meta = copy.deepcopy(model).to("meta")
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        meta(torch.empty(1, *shape, device="meta"))
    return counter.get_total_flops() // 2


def tensor_sha256(tensor: torch.Tensor) -> str:
    """sha256 of a tensor's bytes in its own dtype, C order, little-endian (as the CPU holds them)."""
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    return hashlib.sha256(bytes(flat.view(torch.uint8).tolist())).hexdigest()


def record(name: str, reference: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Build, check, fill and run model `name`; return its golden entry and its differences from the reference."""
    model = build(name)
    problems = []
    params = sum(p.numel() for p in model.parameters())
    if params != reference["params"]:
        problems.append(f"params {params:,} where the reference has {reference['params']:,}")
    state = list(model.state_dict().items())
    signature = [[key, list(tensor.shape)] for key, tensor in state]
    if signature != reference["state_dict"]:
        first = next((i for i, (a, b) in enumerate(zip(signature, reference["state_dict"])) if a != b),
                     min(len(signature), len(reference["state_dict"])))
        problems.append(f"state_dict differs from entry {first} on ({len(signature)} entries, reference "
                        f"{len(reference['state_dict'])})")
    macs = count_macs(model, reference["input"])
    if macs != reference["macs"]:
        problems.append(f"MACs {macs:,} where the reference has {reference['macs']:,}")

    parameter_names = {key for key, _ in model.named_parameters()}
    parameters = [i for i, (key, _) in enumerate(state) if key in parameter_names]
    if len(parameters) != len(parameter_names):
        problems.append("some parameters are not in the state_dict (shared or unregistered tensors)")
    rules = zoo_reference.fill_state(state, set(parameters))
    # num_batches_tracked (int64 0 in a fresh module, unused by the eval forward) is left out: there is one
    # per BatchNorm, all alike.
    untouched = {str(i): tensor_sha256(tensor) for i, ((key, tensor), rule) in enumerate(zip(state, rules))
                 if rule == "untouched" and not key.endswith("num_batches_tracked")}
    del state

    fingerprints = {}
    for key, amplitude in (("fingerprint", 1.0), ("fingerprint_amplified", zoo_reference.AMPLIFIED)):
        with torch.no_grad():
            output = model(zoo_reference.reference_input(tuple(reference["input"]), amplitude))
        if list(output.shape[1:]) != reference["output"]:
            problems.append(f"output shape {list(output.shape[1:])} where the reference has {reference['output']}")
        fingerprints[key] = zoo_reference.fingerprint(output)

    entry = {
        "constructor": constructor_text(name),
        "input": reference["input"],
        "parameters": parameters,
        "buffers_untouched": untouched,
        "transform_input": getattr(model, "transform_input", None),
        **fingerprints,
    }
    if name in NOTES:
        entry["notes"] = NOTES[name]
    return entry, problems


def dumps(value: Any, indent: int = 0) -> str:
    """JSON text with sorted keys, one key per line, and lists of plain values on one line: the same data
    always gives the same bytes, and a re-recording shows in a diff model by model."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        # Keys that are numbers (state_dict positions) go in numeric order, the others alphabetically.
        keys = sorted(value, key=lambda key: (0, int(key), "") if key.isdigit() else (1, 0, key))
        items = [f'{pad} {json.dumps(key)}: {dumps(value[key], indent + 1).lstrip()}' for key in keys]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return pad + "[\n" + ",\n".join(dumps(item, indent + 1) for item in value) + "\n" + pad + "]"
    return pad + json.dumps(value, sort_keys=True)


def compare(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The differences of a fresh entry from the recorded one: fingerprints by tolerance, the rest exactly."""
    differences = []
    for key in sorted(set(old) | set(new)):
        if key.startswith("fingerprint") and key in old and key in new:
            if message := zoo_reference.matches(old[key], new[key]):
                differences.append(f"{name} {key}: {message}")
            elif old[key] != new[key]:
                print(f"  {name} {key}: within tolerance, not identical")
        elif old.get(key) != new.get(key):
            differences.append(f"{name} {key}: differs")
    return differences


def main(argv: list[str]) -> int:
    """Record (or with --check, compare) the named models, or all of the reference's."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models to record (default: every model of the reference)")
    parser.add_argument("--reference", type=Path, required=True, help="torchvision-zoo.json")
    parser.add_argument("--output", type=Path, default=GOLDEN, help=f"default {GOLDEN.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    args = parser.parse_args(argv)
    if torchvision is None:
        print("record_torchvision.py needs torchvision (not a dependency of archlang): run it with a Python that "
              "has torch==2.14.1 and torchvision==0.29.1", file=sys.stderr)
        return 2
    reference = json.loads(args.reference.read_text("utf-8"))
    names = args.names or sorted(reference)
    unknown = [name for name in names if name not in reference]
    if unknown:
        parser.error(f"not in the reference: {', '.join(unknown)}")
    golden = json.loads(args.output.read_text("utf-8")) if args.output.exists() else {}
    if args.check and not golden:
        parser.error(f"--check: no {args.output} to compare with")

    problems = []
    started = time.perf_counter()
    for name in names:
        clock = time.perf_counter()
        entry, differences = record(name, reference[name])
        problems += [f"{name}: {difference}" for difference in differences]
        if args.check:
            problems += compare(name, golden.get(name, {}), entry)
        else:
            golden[name] = entry
        print(f"{name}: {time.perf_counter() - clock:.1f} s, argmax {entry['fingerprint']['argmax']}, "
              f"std {entry['fingerprint']['std']}" + "".join(f"\n  {d}" for d in differences), flush=True)
        gc.collect()
    print(f"{len(names)} models in {time.perf_counter() - started:.0f} s")

    if not args.check:
        golden["_meta"] = {
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "python": platform.python_version(),
            "date": datetime.date.today().isoformat(),
            "reference": "torchvision-zoo.json (params, macs, input, output, state_dict per model)",
            "fill": "tests/zoo_reference.py fill_state; inputs reference_input(input, 1.0) -> fingerprint and "
                    f"reference_input(input, {zoo_reference.AMPLIFIED}) -> fingerprint_amplified",
            "omitted": "num_batches_tracked buffers are not in buffers_untouched",
        }
        args.output.write_text(dumps(golden) + "\n", "utf-8")
        print(f"wrote {args.output}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
