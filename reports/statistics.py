"""Statistics from grouped counts: pure functions, no database.

Before/after ratings arrive as counts per (before, after) pair (at most 16 on a 1-4 scale);
they are expanded into arrays in memory, which is exact and small, and handed to scipy.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

GOOD_OR_BETTER = 3  # Good = 3, Excellent = 4


@dataclass(frozen=True)
class PairedSummary:
    n: int
    before_mean: float | None
    after_mean: float | None
    before_median: float | None
    after_median: float | None
    improved: float | None
    unchanged: float | None
    worse: float | None
    wilcoxon_p: float | None
    effect_size: float | None


def expand_pairs(counts: dict[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray]:
    """The before and after arrays that the grouped counts stand for."""
    cells = sorted(counts.items())
    before = np.repeat([b for (b, _), _ in cells], [n for _, n in cells]).astype(float)
    after = np.repeat([a for (_, a), _ in cells], [n for _, n in cells]).astype(float)
    return before, after


def rank_biserial(before: np.ndarray, after: np.ndarray) -> float | None:
    """Matched-pairs rank-biserial correlation (Kerby's simple difference formula): the
    share of the rank sum of the non-zero differences that favours "after", less the
    share that favours "before". From -1 (all worse) to 1 (all improved)."""
    differences = after - before
    differences = differences[differences != 0]
    if differences.size == 0:
        return None
    ranks = stats.rankdata(np.abs(differences))
    positive = ranks[differences > 0].sum()
    negative = ranks[differences < 0].sum()
    return float((positive - negative) / (positive + negative))


def wilcoxon_p(before: np.ndarray, after: np.ndarray) -> float | None:
    """Two-sided Wilcoxon signed-rank p-value with Pratt's treatment of zero differences;
    None when every difference is zero (there is nothing to test)."""
    if before.size == 0 or np.all(after == before):
        return None
    with warnings.catch_warnings():
        # scipy says when it switches from the exact to the normal method because of
        # ties or zeros; that is the expected case on a four-point scale.
        warnings.simplefilter("ignore", UserWarning)
        result = stats.wilcoxon(after, before, zero_method="pratt")
    return None if math.isnan(result.pvalue) else float(result.pvalue)


def paired_summary(counts: dict[tuple[int, int], int]) -> PairedSummary:
    n = sum(counts.values())
    if n == 0:
        return PairedSummary(0, None, None, None, None, None, None, None, None, None)
    before, after = expand_pairs(counts)
    return PairedSummary(
        n=n,
        before_mean=float(before.mean()),
        after_mean=float(after.mean()),
        before_median=float(np.median(before)),
        after_median=float(np.median(after)),
        improved=float((after > before).sum() / n),
        unchanged=float((after == before).sum() / n),
        worse=float((after < before).sum() / n),
        wilcoxon_p=wilcoxon_p(before, after),
        effect_size=rank_biserial(before, after),
    )


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (closed formula)."""
    if n <= 0:
        raise ValueError("The interval needs at least one observation")
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = (z / (1 + z * z / n)) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class ExperienceSummary:
    n: int
    mean: float | None
    good_or_excellent: float | None
    ci_low: float | None
    ci_high: float | None


def experience_summary(counts: dict[int, int]) -> ExperienceSummary:
    """From counts per rating (1-4)."""
    n = sum(counts.values())
    if n == 0:
        return ExperienceSummary(0, None, None, None, None)
    good = sum(count for rating, count in counts.items() if rating >= GOOD_OR_BETTER)
    low, high = wilson_interval(good, n)
    return ExperienceSummary(
        n=n,
        mean=sum(rating * count for rating, count in counts.items()) / n,
        good_or_excellent=good / n,
        ci_low=low,
        ci_high=high,
    )


def share(numerator: int, denominator: int) -> float | None:
    """A rate in [0, 1]; None when there is nothing to divide by."""
    return numerator / denominator if denominator else None
