"""Names in generated code: classes, attributes and comments made safe for Python.

Nothing from a spec reaches the generated source except identifiers checked
here, numbers from the layer table, and comments passed through
`comment_text`. A submodule never shadows an attribute of nn.Module, and the
network's class never takes the name of a helper.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..checker.checked import CheckedNetwork
from ..diagnostics import ArchError, Diagnostic
from .helpers import HELPERS

#: Attributes the generated network class sets itself.
CLASS_ATTRIBUTES = frozenset(("input_shape", "input_dtype"))
#: Names the generated file binds at module level besides its classes.
MODULE_NAMES = frozenset(("F", "nn", "torch", "math", "LENET5_TABLE"))

#: Attributes of nn.Module a submodule must not shadow (tests compare this with torch).
MODULE_ATTRIBUTES = frozenset((
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children",
    "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward",
    "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
    "load_state_dict", "modules", "mtia", "named_buffers", "named_children", "named_modules",
    "named_parameters", "parameters", "register_backward_hook", "register_buffer",
    "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_",
    "set_extra_state", "set_submodule", "share_memory", "smart_apply", "state_dict", "to",
    "to_empty", "train", "training", "type", "xpu", "zero_grad",
))


def camel_case(name: str) -> str:
    """vgg16 -> Vgg16, alphago_policy -> AlphagoPolicy."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def comment_text(text: str) -> str:
    """Spec text made safe for a comment: printable ASCII, escapes for the rest."""
    return "".join(c if " " <= c <= "~" else ascii(c)[1:-1] for c in text)


def attribute(name: str) -> str:
    """A row name as a submodule attribute: `basic3.conv1` -> `basic3_conv1`;
    keywords and nn.Module's own attributes get a trailing underscore."""
    name = re.sub(r"\W", "_", name, flags=re.ASCII)
    if not name or name[0].isdigit() or name[0] == "_":
        name = f"layer_{name}"  # nn.Module keeps its own state in _modules, _parameters, __dict__
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in MODULE_ATTRIBUTES | CLASS_ATTRIBUTES:
        name += "_"
    return name


def derived(name: str, old: str, new: str) -> str:
    """conv1_1 -> bn1_1, relu1_1; a name of the user's own -> c1_bn, c1_relu."""
    rest = name[len(old):]
    if name.startswith(old) and re.fullmatch(r"\d+(_\d+)*", rest):
        return new + rest
    return f"{name}_{new}"


def _error(network: CheckedNetwork, code: str, message: str, span: Any, hint: str) -> ArchError:
    return ArchError([Diagnostic("error", code, message, span, network.source, hint)])


def class_name(network: CheckedNetwork) -> str:
    """The network's class: its name in CamelCase. The name must be an ASCII
    identifier (E401): it reaches the generated source."""
    name = network.name
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        decls = network.module.networks
        span = decls[0].span if decls else None
        raise _error(network, "E401", f"network name {comment_text(ascii(name))} is not a Python identifier",
                     span, "name it with letters, digits and underscores: network my_net")
    camel = camel_case(name) or "Network"
    if not camel.isidentifier() or keyword.iskeyword(camel) or camel in HELPERS or camel in MODULE_NAMES:
        camel = f"Net{camel}"  # network embed: class NetEmbed, beside the helper class Embed
    return camel
