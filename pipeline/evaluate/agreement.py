"""Inter-rater agreement of blind review scores.

Cohen's kappa on 可否作为送审稿 for every pair of raters is computed here (one formula; scikit-learn and
statsmodels would add scipy and more for it). Krippendorff's alpha comes from the `krippendorff` package:
nominal for 可否送审, interval for problem counts and minutes; it copes with three or more raters and
with drafts a rater left out.
"""

from __future__ import annotations

import math
import warnings
from itertools import combinations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KappaPair(Strict):
    raters: list[str]
    n: int
    agreement: float | None = None
    kappa: float | None = None


class Agreement(Strict):
    raters: list[str]
    units: int
    kappa: list[KappaPair] = []
    alpha: dict[str, float | None] = {}


def cohen_kappa(first: list, second: list) -> float | None:
    """Cohen's kappa of two raters' labels on the same items; None when chance agreement is 1 (one label only)."""
    if len(first) != len(second) or not first:
        return None
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    labels = set(first) | set(second)
    expected = sum((first.count(c) / n) * (second.count(c) / n) for c in labels)
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def krippendorff_alpha(matrix: list[list[float | None]], level: str) -> float | None:
    """Alpha over a raters × units matrix (None = not rated); None when it is undefined."""
    import krippendorff  # lazy: heavy library, loaded only where used
    import numpy as np  # lazy: heavy library, loaded only where used

    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    pairable = int((np.sum(~np.isnan(data), axis=0) >= 2).sum()) if data.size else 0
    if pairable == 0 or len(set(data[~np.isnan(data)].tolist())) < 2:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
        except (ValueError, ZeroDivisionError):
            return None
    return None if math.isnan(value) else value


def agreement(ratings: list, names: list[str]) -> Agreement:
    """Per pair of raters: Cohen's kappa on 可否送审; across all raters: alpha on 可否送审, weighted problems,
    重大问题数 and minutes. `ratings` are scoring.Rating objects."""
    raters = list(dict.fromkeys(r.rater for r in ratings))
    by = {(r.rater, r.draft): r for r in ratings}
    pairs = []
    for a, b in combinations(raters, 2):
        common = [n for n in names if (a, n) in by and (b, n) in by]
        first = [by[(a, n)].approvable for n in common]
        second = [by[(b, n)].approvable for n in common]
        kappa = cohen_kappa(first, second)
        pairs.append(KappaPair(raters=[a, b], n=len(common), kappa=None if kappa is None else round(kappa, 4),
                               agreement=round(sum(x == y for x, y in zip(first, second)) / len(common), 4) if common else None))

    def matrix(value) -> list[list[float | None]]:
        return [[value(by[(r, n)]) if (r, n) in by else None for n in names] for r in raters]

    alpha = {
        "approvable": krippendorff_alpha(matrix(lambda x: float(x.approvable)), "nominal"),
        "weighted": krippendorff_alpha(matrix(lambda x: x.weighted()), "interval"),
        "major": krippendorff_alpha(matrix(lambda x: x.major), "interval"),
        "minutes": krippendorff_alpha(matrix(lambda x: x.minutes), "interval"),
    }
    return Agreement(raters=raters, units=len({r.draft for r in ratings}), kappa=pairs,
                     alpha={k: None if v is None else round(v, 4) for k, v in alpha.items()})
