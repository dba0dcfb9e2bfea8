"""The recorded oracle for the torchvision zoo: deterministic weights, input and output fingerprints.

archlang must build, for each of torchvision 0.29's 80 classification models, a module that computes
exactly what torchvision's computes. torchvision is not a dependency (it does not import beside the
project's torch), so `scripts/record_torchvision.py` ran each torchvision model once, filled by the rule
below and fed the input below, and wrote what came out to `tests/golden/zoo_outputs.json`. A test fills
archlang's module by the same rule and compares fingerprints with `matches`; torchvision is not needed.

Everything here depends only on torch, and on nothing of torch's random number generator, so that the
same numbers come out on any torch version, device and thread count:

- `uniform(index, numel)` is a fixed hash of (tensor index, element index) into [0, 1);
- `fill_state` sets every tensor of a state_dict from that hash, by the tensor's position in the
  reference (torchvision) state_dict order and its reference name and shape;
- `reference_input` is the input image, `fingerprint` summarises an output, `matches` compares two.

The fill keeps activations of a plausible size through deep networks: convolution and linear weights
are uniform with variance 1 / fan_in (LeCun's scale), BN and LN weights near 1, biases and running means
near 0, running variances in [0.5, 1.5), so eval-mode BatchNorm does not blow up or vanish the signal.
"""

from __future__ import annotations

import math

import torch

__all__ = ["AMPLIFIED", "RTOL", "fill_state", "fingerprint", "matches", "reference_input", "uniform"]

#: Relative tolerance of `matches`, as a fraction of the reference output's standard deviation (and of
#: each value's own size). float32 rounding between two correct implementations stays orders of magnitude
#: below it (see tests/golden/zoo_outputs.md for the measured margins); a wrong function exceeds it.
RTOL = 1e-3

#: The amplitude of the second recorded input (see `reference_input`).
AMPLIFIED = 16.0

#: Elements hashed per step by `uniform`: bounds its float64 temporaries (32 MiB each) on big tensors.
_CHUNK = 1 << 22

#: The fill rules `fill_state` reports, one per tensor.
FillRule = str


def uniform(index: int, numel: int) -> torch.Tensor:
    """Deterministic pseudo-random values in [0, 1): `numel` float64 values for tensor number `index`.

    Element k is frac(sin((k + 1) * 12.9898 + (index + 1) * 78.233) * 43758.5453), the classic shader
    hash, computed in float64 with frac(x) = x - floor(x). Multiplications and additions are correctly
    rounded IEEE operations, so only `sin` may differ between platforms, by an ulp or so: that moves a
    value by about 1e-11, invisible once cast to float32 (and far inside `matches`' tolerance).
    """
    if numel < 0:
        raise ValueError(f"numel must be >= 0, got {numel}")
    offset = (index + 1) * 78.233
    out = torch.empty(numel, dtype=torch.float64)
    for start in range(0, numel, _CHUNK):
        stop = min(start + _CHUNK, numel)
        k = torch.arange(start + 1, stop + 1, dtype=torch.float64)
        x = torch.sin(k * 12.9898 + offset) * 43758.5453
        x -= torch.floor(x)
        # x - floor(x) rounds to exactly 1.0 for a tiny negative x; that value belongs to 0.
        x[x >= 1.0] = 0.0
        out[start:stop] = x
    return out


def _fill_rule(name: str, tensor: torch.Tensor, is_parameter: bool) -> FillRule:
    """Which rule of `fill_state` applies to one tensor (see there)."""
    if name.endswith("running_var"):
        return "running_var"
    if name.endswith("running_mean"):
        return "running_mean"
    if not tensor.is_floating_point() or not is_parameter:
        return "untouched"
    if tensor.dim() == 1 and name.endswith("weight"):
        return "weight_1d"
    if tensor.dim() == 1 and name.endswith("bias"):
        return "bias_1d"
    return "fan_in"


def _values(rule: FillRule, index: int, shape: torch.Size) -> torch.Tensor:
    """The float64 values rule `rule` gives tensor number `index` of shape `shape`."""
    u = uniform(index, math.prod(shape)).reshape(shape)
    if rule == "running_var":
        return 0.5 + u
    if rule == "running_mean":
        return 0.2 * (u - 0.5)
    if rule == "weight_1d":
        return 1.0 + 0.4 * (u - 0.5)
    if rule == "bias_1d":
        return 0.2 * (u - 0.5)
    # Uniform on [-a, a] has variance a^2 / 3: a = sqrt(3 / fan_in) gives variance 1 / fan_in.
    fan_in = math.prod(shape[1:])
    return (2.0 * u - 1.0) * math.sqrt(3.0 / fan_in)


def fill_state(tensors: list[tuple[str, torch.Tensor]],
               parameter_indices: set[int] | None = None) -> list[FillRule]:
    """Fill a model's state in place by the oracle's rule; return the rule applied to each tensor.

    `tensors` is the model's state_dict as (reference name, tensor) pairs in the REFERENCE order: the
    torchvision name and position, whatever the module's own names are. Tensor i is filled from
    `uniform(i, numel)` (u below) by its reference name and shape:

    - name ending `running_var`: 0.5 + u;  name ending `running_mean`: 0.2 (u - 0.5);
    - integer tensors, and buffers other than running statistics (position not in `parameter_indices`):
      left as constructed (`num_batches_tracked`, Swin's `relative_position_index`, ...);
    - 1-D parameter whose name ends with `weight` (BN, LN scales): 1 + 0.4 (u - 0.5);
    - 1-D parameter whose name ends with `bias`: 0.2 (u - 0.5);
    - every other float parameter: (2u - 1) sqrt(3 / fan_in), fan_in = prod(shape[1:]) (1 when empty).

    `parameter_indices` are the positions of the parameters (the rest are buffers); None treats every
    float tensor as a parameter, which is right only for models without float buffers other than running
    statistics (Swin V2's `relative_coords_table` is one). Values are cast to each tensor's dtype and
    written on its device; the tensors must be views of the model's storage, as `state_dict()` gives.
    """
    rules = []
    with torch.no_grad():
        for index, (name, tensor) in enumerate(tensors):
            is_parameter = parameter_indices is None or index in parameter_indices
            rule = _fill_rule(name, tensor, is_parameter)
            rules.append(rule)
            if rule != "untouched":
                tensor.copy_(_values(rule, index, tensor.shape).to(tensor.dtype))
    return rules


def reference_input(shape: tuple[int, ...], amplitude: float = 1.0) -> torch.Tensor:
    """The oracle's input: float32 of shape (1, *shape), values amplitude (2u - 1) for tensor index -1.

    amplitude 1 keeps every activation of the filled networks small: no ReLU6 ever clips at 6, so a
    ReLU in its place computes the same. `AMPLIFIED` drives the early layers into saturation, where
    ReLU6 and ReLU, Hardsigmoid and Sigmoid part; the golden file records both.
    """
    u = uniform(-1, math.prod(shape))
    return (amplitude * (2.0 * u - 1.0)).to(torch.float32).reshape(1, *shape)


def _round(value: float) -> float:
    """A float rounded to 7 significant digits (float32 carries about 7), for a stable JSON text."""
    return float(f"{value:.7g}")


def fingerprint(output: torch.Tensor) -> dict[str, float | int | list[float]]:
    """A compact summary of a (1, N) output, enough to tell a correct model from a subtly wrong one.

    `size` N, `mean`, `std` (with Bessel's correction), `min`, `max`, `argmax` (the first maximum),
    `top2_gap` (largest minus second largest value; it tells `matches` whether `argmax` is stable) and
    `sample`, the values at indices 0, 37, 74, ...; statistics in float64, floats to 7 significant digits.
    """
    if output.dim() != 2 or output.shape[0] != 1 or output.shape[1] < 2:
        raise ValueError(f"expected an output of shape (1, N) with N >= 2, got {tuple(output.shape)}")
    values = output.detach().to("cpu", torch.float64).reshape(-1)
    if not torch.isfinite(values).all():
        raise ValueError("the output has non-finite values: a fingerprint of it would prove nothing")
    top2 = torch.topk(values, 2).values
    return {
        "size": values.numel(),
        "mean": _round(values.mean().item()),
        "std": _round(values.std().item()),
        "min": _round(values.min().item()),
        "max": _round(values.max().item()),
        "argmax": int(values.argmax().item()),
        "top2_gap": _round((top2[0] - top2[1]).item()),
        "sample": [_round(v) for v in values[::37].tolist()],
    }


def matches(reference: dict, candidate: dict, rtol: float = RTOL) -> str | None:
    """None when fingerprint `candidate` equals `reference` within tolerance, else the first difference.

    A value v of the reference may differ by rtol * (reference std) + rtol * |v|: the first term scales
    with the output as a whole (a logit near zero is as exact as the others in absolute terms), the
    second lets large values keep float32's relative precision. `argmax` must be equal unless the
    reference's two largest values are closer than the tolerance of its maximum.
    """
    if reference["size"] != candidate["size"]:
        return f"output size {candidate['size']} where the reference has {reference['size']}"
    scale = rtol * reference["std"]

    def differs(what: str, ref: float, got: float) -> str | None:
        tolerance = scale + rtol * abs(ref)
        if not abs(got - ref) <= tolerance:  # written so that NaN differs
            return f"{what}: {got!r} where the reference has {ref!r} (tolerance {tolerance:.3g})"
        return None

    for key in ("mean", "std", "min", "max"):
        if message := differs(key, reference[key], candidate[key]):
            return message
    if reference["argmax"] != candidate["argmax"] and reference["top2_gap"] > scale + rtol * abs(reference["max"]):
        return (f"argmax: {candidate['argmax']} where the reference has {reference['argmax']} "
                f"(its top two values are {reference['top2_gap']!r} apart)")
    for position, (ref, got) in enumerate(zip(reference["sample"], candidate["sample"])):
        if message := differs(f"output[{37 * position}]", ref, got):
            return message
    return None
