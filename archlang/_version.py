"""The version of archlang: a leaf, so that any stage may name it without importing the package face."""

__version__ = "0.1.0"
