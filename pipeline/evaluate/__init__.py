"""Evaluation: side-by-side comparison, pairwise judging, blind review packs and scores, the quality run."""
