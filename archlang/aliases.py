"""Aliases: the words of Keras and PyTorch, and what archlang writes for them.

A newcomer writes what their framework taught them: `Conv2D(32, (3,3),
activation='relu')`, `padding='same'`, `activation=relu`, `nn.Linear(512, 10)`.
A spelling suggestion from difflib would mislead them (`activation` is not
`dilation`, `upsample2` is not `subsample2`), so the messages look here first:
a table from the framework's word to archlang's form, a translator of a whole
framework call written as text, and the kinds archlang does not have. It is
data and plain text functions only, so every stage may ask it.
"""

from __future__ import annotations

import re

#: Option names of Keras and PyTorch layers -> how archlang writes them.
OPTIONS: dict[str, str] = {
    "activation": "act={value} (the activation after this layer; `act {value}` at the top sets it for all)",
    "filters": "the count after '-': conv3-64 for 64 filters",
    "out_channels": "the count after '-': conv3-64 for 64 filters",
    "in_channels": "nothing: a layer's input channels come from the layer before it",
    "num_features": "nothing: batch norm's channels come from the layer before it",
    "in_features": "nothing: fc's input size comes from the layer before it",
    "out_features": "the count after '-': fc-10 for 10 outputs",
    "units": "the count after '-': fc-10 for 10 outputs",
    "kernel_size": "the size after the name: conv3-64 for 3x3, conv1x7-64 for 1x7",
    "pool_size": "the size after the name: maxpool3 for 3x3",
    "strides": "the stride after '/': conv3-64/2, or s=2",
    "use_bias": "bias=false",
    "rate": "dropout(0.5), or p=0.5",
    "inplace": "nothing: archlang has no in-place switch",
}

#: Layer names of Keras and PyTorch (lower case) -> archlang's form, with an example.
LAYERS: dict[str, str] = {
    "conv2d": "convK-N: conv3-64 is 64 filters of 3x3",
    "conv1d": "convK-N on a signal input (input 1@100): conv5-32",
    "dense": "fc-N: fc-10 is 10 outputs",
    "linear": "fc-N: fc-10 is 10 outputs",
    "maxpool2d": "maxpoolK/S: maxpool2 (2x2, stride 2), maxpool3/2; `pool` is 2x2 at stride 2",
    "maxpooling2d": "maxpoolK/S: maxpool2 (2x2, stride 2), maxpool3/2; `pool` is 2x2 at stride 2",
    "avgpool2d": "avgpoolK/S: avgpool2, avgpool3/2",
    "averagepooling2d": "avgpoolK/S: avgpool2, avgpool3/2",
    "globalaveragepooling2d": "gap (global average pooling)",
    "globalmaxpooling2d": "gmp (global max pooling)",
    "adaptiveavgpool2d": "adaptiveavgpool7 (to 7x7), or gap (to 1x1)",
    "batchnormalization": "bn (after a layer), or bn=true on a conv or fc layer",
    "batchnorm2d": "bn (after a layer), or bn=true on a conv or fc layer",
    "layernormalization": "layernorm",
    "embedding": "embed-D vocab=V: embed-300 vocab=20000",
}

#: Layers archlang does not have (lower case, sizes stripped) -> what to say instead of a look-alike.
MISSING: dict[str, str] = {
    "upsample": "archlang has no upsampling layer",
    "upsampling": "archlang has no upsampling layer",
    "interpolate": "archlang has no upsampling layer",
    "convtranspose": "archlang has no transposed convolution",
    "conv2dtranspose": "archlang has no transposed convolution",
    "convtranspose2d": "archlang has no transposed convolution",
    "deconv": "archlang has no transposed convolution (deconvolution)",
    "lstm": "archlang has no recurrent layers",
    "gru": "archlang has no recurrent layers",
    "rnn": "archlang has no recurrent layers",
    "reshape": "archlang reshapes only by flattening: fc flattens its input, or write flatten",
    "concatenate": "a concatenation is a branch: {conv1-64 | conv3-64}",
    "add": "a sum is a residual branch: {x + conv3-64, conv3-64}",
}

def _bare(name: str) -> str:
    """A name as the tables key it: lower case, without `nn.`/`layers.` and
    sizes after it (`upsample2`, `deconv3x3`). Stripped, not matched by a
    regular expression: `a1x1x...1x` made one backtrack quadratically."""
    word = name.rsplit(".", 1)[-1].lower()
    stripped = word.rstrip("0123456789x")
    tail = word[len(stripped):]
    first_digit = next((i for i, c in enumerate(tail) if c.isdigit()), len(tail))
    return stripped + tail[:first_digit]


def option_hint(key: str, value: str = "relu") -> str | None:
    """What archlang writes for a framework's option name (given `value`, as written), as a hint."""
    form = OPTIONS.get(key.lower())
    return f"archlang writes {form.format(value=value)}" if form else None


def layer_hint(name: str) -> str | None:
    """What to say of a layer name archlang does not know, when a framework
    (or the papers) have it: its archlang form, or that archlang lacks it."""
    bare = _bare(name)
    if bare in MISSING:
        return MISSING[bare]
    form = LAYERS.get(bare)
    return f"{name} is written {form}" if form else None


# ---- a framework call as text -------------------------------------------------------------

_CALL = re.compile(r"\s*(?:(?:nn|layers|tf\.keras\.layers|keras\.layers|torch\.nn)\.)?([A-Za-z_]\w*)\s*\((.*)\)\s*$")


def _split(arguments: str) -> list[str]:
    """Top-level comma-separated arguments, brackets kept together."""
    parts, depth, current = [], 0, ""
    for ch in arguments:
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return [p for p in (*parts, current.strip()) if p]


def _size(text: str) -> str:
    """`3`, `(3, 3)`, `(1, 7)` -> 3, 3, 1x7: a kernel as archlang writes it after a name."""
    numbers = re.findall(r"\d+", text)
    if not numbers:
        return text
    return numbers[0] if len(set(numbers)) == 1 else "x".join(numbers)


def _unquote(text: str) -> str:
    return text.strip().strip("'\"").lower()


def _conv(args: list[str], kw: dict[str, str], torch: bool) -> str | None:
    count = kw.get("out_channels") or kw.get("filters") or (args[1] if torch and len(args) > 1 else
                                                             args[0] if not torch and args else None)
    kernel = kw.get("kernel_size") or (args[2] if torch and len(args) > 2 else args[1] if not torch and len(args) > 1
                                       else None)
    if count is None or kernel is None:
        return None
    stride = kw.get("stride") or kw.get("strides") or (args[3] if torch and len(args) > 3 else None)
    text = f"conv{_size(kernel)}-{count}" + (f"/{_size(stride)}" if stride and _size(stride) != "1" else "")
    padding = kw.get("padding") or (args[4] if torch and len(args) > 4 else None)
    if padding is not None:
        text += f" p={_unquote(padding)}" if _unquote(padding) != "same" else ""
    elif torch:
        text += " p=0"  # PyTorch pads nothing by default; archlang pads same
    else:
        text += " p=valid"  # Keras's default
    act = kw.get("activation")
    return text + (f" act={_unquote(act)}" if act else "")


def _pool(kind: str, args: list[str], kw: dict[str, str]) -> str:
    kernel = kw.get("kernel_size") or kw.get("pool_size") or (args[0] if args else "2")
    stride = kw.get("stride") or kw.get("strides") or (args[1] if len(args) > 1 else None)
    text = f"{kind}{_size(kernel)}"
    return text + (f"/{_size(stride)}" if stride and _size(stride).lower() not in (_size(kernel), "none") else "")


def _fc(args: list[str], kw: dict[str, str], torch: bool) -> str | None:
    count = kw.get("out_features") or kw.get("units") or (args[1] if torch and len(args) > 1 else
                                                           args[0] if not torch and args else None)
    act = kw.get("activation")
    return f"fc-{count}" + (f" act={_unquote(act)}" if act else "") if count else None


def framework(call: str) -> str:
    """Whose notation a layer call is: PyTorch's (`nn.Conv2d`, `Linear`) or Keras's (`Conv2D`, `Dense`)."""
    name = call.partition("(")[0]
    if name.startswith(("nn.", "torch.")) or re.search(r"\dd$", name) or name.lower() == "linear":
        return "PyTorch"
    return "Keras"


def translate(text: str) -> str | None:
    """archlang's form of one Keras or PyTorch layer call written as text
    (`Conv2D(32, (3,3), activation='relu')` -> `conv3-32 p=valid act=relu`),
    or None when it is not one this knows."""
    match = _CALL.match(text)
    if not match:
        return None
    name, parts = match[1], _split(match[2])
    args = [p for p in parts if not re.match(r"\w+\s*=", p)]
    kw = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in parts if re.match(r"\w+\s*=", p))}
    torch = name[-1:] == "d" and name[-2:-1].isdigit()  # Conv2d, MaxPool2d: PyTorch; Conv2D: Keras
    bare = name.lower()
    if bare in ("conv2d", "conv1d"):
        return _conv(args, kw, torch)
    if bare in ("dense", "linear"):
        return _fc(args, kw, bare == "linear")
    if bare in ("maxpool2d", "maxpooling2d", "avgpool2d", "averagepooling2d"):
        return _pool("maxpool" if bare.startswith("max") else "avgpool", args, kw)
    if bare in ("adaptiveavgpool2d", "adaptiveavgpool1d"):
        size = _size((args or [kw.get("output_size", "1")])[0])
        return "gap" if size == "1" else f"adaptiveavgpool{size}"
    if bare in ("dropout",):
        return f"dropout({(args or [kw.get('p') or kw.get('rate') or '0.5'])[0]})"
    simple = {"flatten": "flatten", "relu": "relu", "softmax": "softmax", "sigmoid": "sigmoid", "tanh": "tanh",
              "batchnorm2d": "bn", "batchnormalization": "bn", "globalaveragepooling2d": "gap"}
    return simple.get(bare)
