"""The language server, `archc lsp`: archlang's analysis, where the cursor is.

A thin adapter over `analyze` (which never raises, and gives every diagnostic
with its range), in the manner of rust-analyzer and pyright: `document` holds
one open file's text and what the analysis found, `locate` finds the node under
the cursor with the node protocol, and `hover`, `complete` and `navigate`
answer the editor's questions as plain data. Only `server` imports pygls, so
everything else is tested (and used) without it; `main` says how to install
it when it is missing.
"""

from __future__ import annotations

import sys

PYGLS_MISSING = ("archc lsp needs the language server packages pygls and lsprotocol, which are not installed: "
                 "pip install 'archlang[lsp]' (or pip install 'pygls>=2' lsprotocol)")


def main() -> int:
    """Serve the language server over stdin and stdout until the editor ends it;
    1 (with a message saying what to install) when pygls is missing."""
    try:
        from . import server
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        sys.stderr.write(f"archc: error: {PYGLS_MISSING}\n")
        return 1
    server.serve()
    return 0
