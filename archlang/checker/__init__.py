"""The check stage: a parsed module to a checked network, with every diagnostic.

By concern: `checked` (the checked tree, data only), `context` (the walk's
explicit context), `evaluate` (expressions), `resolve` (calls to kinds and
options, file defaults), `declarations` (name, parameters, input), `budget`
(the layer cap), `walk` (the shape walk), `naming`, `receptive` and `rows`
(the flat listing). `check_module` runs them in order and never raises: what
went wrong is in the network's diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import ir
from ..limits import DEFAULT, Limits
from ..scope import Scope, build_scope
from .budget import within_budget
from .checked import Aside, Block, Branched, CheckedNetwork, Group, Layer, Optional, Repeated, Row
from .context import Context, Run
from .declarations import declared_input, network_input, network_name, parameters, variants
from .evaluate import reset_suggestions
from .resolve import file_defaults
from .rows import rows, side_outputs
from .values import file_env
from .walk import Walk, check_token_ids

__all__ = ["Aside", "Block", "Branched", "CheckedNetwork", "Group", "Layer", "Optional", "Repeated", "Row",
           "check_module"]


def check_module(module: ir.Module, params: Mapping[str, Any], limits: Limits = DEFAULT) -> CheckedNetwork:
    """Check one parsed module with parameter values `params`: declarations,
    imports, defaults, the layer budget, the walk, the rows. Diagnostics
    (errors too) are in the result; where the walk could not finish, the
    tree and rows hold what it reached."""
    reset_suggestions()
    root_module_scope = Scope(module)
    run = Run(limits, root_module_scope)
    top = Context(run, {}, root_module_scope)
    name = network_name(top, module)
    env = parameters(top, module, name, params)
    variants(top, module, name)
    scope, imported = build_scope(module, limits)
    run.root, run.network_env = scope, env
    run.extend(imported)
    ctx = Context(run, file_env(run, scope), scope, tail=True)
    file_defaults(ctx, scope)
    shape = network_input(ctx, module)
    tree = None
    if shape is not None and within_budget(ctx, module.body):
        tree, shape = Walk().visit(module.body, shape, ctx)
    listing = rows(tree) if tree is not None else []
    check_token_ids(ctx, listing)
    return CheckedNetwork(name, env, declared_input(ctx, module), shape, listing, tree, run.diagnostics,
                          module.source, module, side_outputs(tree), scope=scope)
