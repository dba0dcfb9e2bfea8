"""The archlang grammar (`archlang.lark`), installed as the package `archlang.grammars`."""
