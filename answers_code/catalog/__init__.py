"""Torch-free catalogue entries, one module per part of the chapter."""
