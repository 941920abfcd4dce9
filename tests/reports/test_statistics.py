"""The pure statistics: Wilson against published values, the tests against scipy."""

import numpy as np
import pytest
from scipy import stats

from reports.statistics import (
    expand_pairs,
    experience_summary,
    paired_summary,
    rank_biserial,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), table I, and Brown, Cai and DasGupta (2001).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (8, 10, 0.4902, 0.9433),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=1e-4)


def test_wilson_needs_an_observation():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_expanding_counts_gives_the_pairs_back():
    before, after = expand_pairs({(1, 3): 2, (2, 2): 1})
    assert sorted(zip(before, after, strict=True)) == [(1, 3), (1, 3), (2, 2)]


def test_paired_summary_matches_scipy_and_numpy_on_many_pairs():
    rng = np.random.default_rng(2026)
    before = rng.integers(1, 5, size=400)
    after = np.clip(before + rng.integers(-1, 3, size=400), 1, 4)
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(before.tolist(), after.tolist(), strict=True):
        counts[pair] = counts.get(pair, 0) + 1
    assert len(counts) <= 16
    summary = paired_summary(counts)
    assert summary.n == 400
    assert summary.before_mean == pytest.approx(before.mean())
    assert summary.after_median == np.median(after)
    assert summary.improved == pytest.approx((after > before).mean())
    expected = stats.wilcoxon(after, before, zero_method="pratt").pvalue
    assert summary.wilcoxon_p == pytest.approx(expected)
    assert summary.effect_size == pytest.approx(rank_biserial(before * 1.0, after * 1.0))


def test_no_change_at_all_has_no_test():
    summary = paired_summary({(2, 2): 7})
    assert (summary.n, summary.unchanged, summary.wilcoxon_p, summary.effect_size) == (
        7,
        1.0,
        None,
        None,
    )


def test_rank_biserial_runs_from_minus_one_to_one():
    assert rank_biserial(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == -1.0
    assert rank_biserial(np.array([1.0, 2.0]), np.array([3.0, 3.0])) == 1.0


def test_experience_summary():
    summary = experience_summary({1: 1, 2: 1, 3: 1, 4: 2})
    assert (summary.n, summary.mean, summary.good_or_excellent) == (5, 2.8, 0.6)
    assert (summary.ci_low, summary.ci_high) == pytest.approx(wilson_interval(3, 5))
    assert experience_summary({}).mean is None
