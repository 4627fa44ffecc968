"""Evaluation and renewal of a convention: frozen baselines, what changed since the signature, grids, final report."""
