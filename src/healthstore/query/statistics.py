"""Statistics over samples: sums that merge sources by priority, discrete averages, extremes,
most recent values and durations, for one range or per calendar bucket (spec §5–6).

The engine is pure and columnar: it takes arrays of (start, end, value, source rank) and the
bucket edges, all in integer microseconds, and works with NumPy.

Merging for sums (spec §6): the time line is split at every sample boundary and bucket edge.
In each elementary interval only the highest-priority source with a sample covering it
contributes, each of that source's covering samples adding value × overlap / duration. A
zero-duration sample counts in full where no higher-priority source covers its instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from healthstore.catalogue import Aggregation
from healthstore.query.statistics_values import (
    _DISCRETE,
    OptionsLike,
    Statistics,
    StatisticsOptions,
    parse_options,
    statistics_unit,
)

# the values a query asks for and answers live in statistics_values; named here too
__all__ = [
    "BucketValues",
    "Columns",
    "OptionsLike",
    "Statistics",
    "StatisticsOptions",
    "compute",
    "distinct",
    "parse_options",
    "statistics_unit",
]

Micros = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Columns:
    """Samples as arrays: start and end (µs), value (canonical unit), source rank (0 is the
    highest priority), and the source index into ``sources``."""

    start: Micros
    end: Micros
    value: Floats
    rank: npt.NDArray[np.int64]

    def subset(self, mask: npt.NDArray[np.bool_]) -> Columns:
        return Columns(self.start[mask], self.end[mask], self.value[mask], self.rank[mask])

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class BucketValues:
    """Per-bucket results, as arrays (NaN where a bucket has no value)."""

    has_data: npt.NDArray[np.bool_]
    sum: Floats | None = None
    average: Floats | None = None
    minimum: Floats | None = None
    maximum: Floats | None = None
    most_recent: Floats | None = None
    most_recent_index: npt.NDArray[np.int64] | None = None
    duration: Micros | None = None
    ranks: list[set[int]] = field(default_factory=list)


def compute(
    cols: Columns, edges: Micros, aggregation: Aggregation, options: StatisticsOptions
) -> BucketValues:
    """Statistics per bucket ``[edges[k], edges[k + 1])``."""
    n_buckets = len(edges) - 1
    first, last = _bucket_span(cols, edges)
    present = last >= first
    has = np.zeros(n_buckets, dtype=bool)
    ranks: list[set[int]] = [set() for _ in range(n_buckets)]
    idx_sample, idx_bucket = _expand(first, last, present)
    has[idx_bucket] = True
    n_ranks = int(cols.rank.max()) + 1 if len(cols) else 1
    pairs = distinct(idx_bucket * n_ranks + cols.rank[idx_sample])
    for b, r in zip((pairs // n_ranks).tolist(), (pairs % n_ranks).tolist(), strict=True):
        ranks[b].add(r)
    out = BucketValues(has, ranks=ranks)
    if options & StatisticsOptions.cumulativeSum:
        out.sum = np.where(has, _merged_sums(cols, edges, idx_sample, idx_bucket), np.nan)
    if options & _DISCRETE & ~StatisticsOptions.mostRecent:
        _discrete(cols, edges, idx_sample, idx_bucket, aggregation, options, out)
    if options & StatisticsOptions.mostRecent:
        _most_recent(cols, idx_sample, idx_bucket, out)
    if options & StatisticsOptions.duration:
        out.duration = _covered(cols, edges)
    return out


def distinct(values: Micros) -> Micros:
    """The distinct values, ascending. A stable sort and a comparison of neighbours:
    numpy's own ``unique`` hashes integers first, which is an order of magnitude slower on
    the mostly sorted instants read from storage."""
    ordered = np.sort(values, kind="stable")
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _bucket_span(cols: Columns, edges: Micros) -> tuple[Micros, Micros]:
    """For each sample, the first and last bucket it touches (overlap, or its instant)."""
    first = np.searchsorted(edges, cols.start, side="right") - 1
    last_by_end = np.searchsorted(edges, cols.end, side="left") - 1
    last = np.where(cols.end > cols.start, last_by_end, first)
    first = np.maximum(first, 0)
    last = np.minimum(last, len(edges) - 2)
    return first.astype(np.int64), last.astype(np.int64)


def _expand(first: Micros, last: Micros, present: npt.NDArray[np.bool_]) -> tuple[Micros, Micros]:
    """(sample index, bucket index) for every bucket each sample touches."""
    counts = np.where(present, last - first + 1, 0)
    sample = np.repeat(np.arange(len(first)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    bucket = np.repeat(first, counts) + offsets
    return sample.astype(np.int64), bucket.astype(np.int64)


def _merged_sums(cols: Columns, edges: Micros, sample: Micros, bucket: Micros) -> Floats:
    """Sums per bucket with sources merged by priority. Every quantity that decides who
    counts where is an integer count of microseconds, so a sample that wins all of its time
    in one bucket adds exactly its value."""
    n_buckets = len(edges) - 1
    sums = np.zeros(n_buckets)
    if not len(cols):
        return sums
    lo, hi = edges[0], edges[-1]
    positive = cols.end > cols.start
    bounds = distinct(
        np.concatenate(
            [
                edges,
                np.clip(cols.start[positive], lo, hi),
                np.clip(cols.end[positive], lo, hi),
            ]
        )
    )
    lengths = np.diff(bounds)
    n_ranks = int(cols.rank.max()) + 1
    best = np.full(len(lengths), n_ranks, dtype=np.int64)
    s_idx = np.searchsorted(bounds, np.clip(cols.start, lo, hi))
    e_idx = np.searchsorted(bounds, np.clip(cols.end, lo, hi))
    won = np.zeros((n_ranks, len(bounds)), dtype=np.int64)  # prefix sums of time won
    for r in range(n_ranks):
        mine = positive & (cols.rank == r)
        if mine.any():
            cover = np.zeros(len(bounds), dtype=np.int64)
            np.add.at(cover, s_idx[mine], 1)
            np.add.at(cover, e_idx[mine], -1)
            take = (np.cumsum(cover)[:-1] > 0) & (best == n_ranks)
            best[take] = r
        won[r, 1:] = np.cumsum(np.where(best == r, lengths, 0))
    timed = positive[sample]
    pairs_s, pairs_b = sample[timed], bucket[timed]
    a = np.searchsorted(bounds, np.maximum(cols.start[pairs_s], edges[pairs_b]))
    b = np.searchsorted(bounds, np.minimum(cols.end[pairs_s], edges[pairs_b + 1]))
    rank = cols.rank[pairs_s]
    time_won = won[rank, b] - won[rank, a]
    duration = cols.end[pairs_s] - cols.start[pairs_s]
    np.add.at(sums, pairs_b, cols.value[pairs_s] * (time_won / duration))
    instants = ~positive & (cols.start >= lo) & (cols.start < hi)
    if instants.any():
        t = cols.start[instants]
        piece = np.searchsorted(bounds, t, side="right") - 1
        counted = cols.rank[instants] <= best[np.minimum(piece, len(best) - 1)]
        where = np.searchsorted(edges, t, side="right") - 1
        np.add.at(sums, where[counted], cols.value[instants][counted])
    return sums


def _overlap(cols: Columns, edges: Micros, sample: Micros, bucket: Micros) -> Floats:
    start = np.maximum(cols.start[sample], edges[bucket])
    end = np.minimum(cols.end[sample], edges[bucket + 1])
    overlap: Floats = np.maximum(end - start, 0).astype(np.float64)
    return overlap


def _discrete(
    cols: Columns,
    edges: Micros,
    sample: Micros,
    bucket: Micros,
    aggregation: Aggregation,
    options: StatisticsOptions,
    out: BucketValues,
) -> None:
    n = len(edges) - 1
    values = cols.value[sample]
    if options & StatisticsOptions.discreteMin:
        out.minimum = np.full(n, np.inf)
        np.minimum.at(out.minimum, bucket, values)
        out.minimum[~out.has_data] = np.nan
    if options & StatisticsOptions.discreteMax:
        out.maximum = np.full(n, -np.inf)
        np.maximum.at(out.maximum, bucket, values)
        out.maximum[~out.has_data] = np.nan
    if options & StatisticsOptions.discreteAverage:
        out.average = _average(cols, edges, sample, bucket, aggregation, n)


def _average(
    cols: Columns, edges: Micros, sample: Micros, bucket: Micros, aggregation: Aggregation, n: int
) -> Floats:
    values = cols.value[sample]
    sound = aggregation is Aggregation.discreteEquivalentContinuousLevel
    if sound:
        values = np.power(10.0, values / 10.0)
    if aggregation is Aggregation.discreteArithmetic:
        weights = np.ones(len(values))
    else:
        # Weighted by time in the bucket; where a bucket holds only instants, they weigh
        # equally among themselves.
        weights = _overlap(cols, edges, sample, bucket)
        timed = np.zeros(n)
        np.add.at(timed, bucket, weights)
        weights = np.where(timed[bucket] > 0, weights, 1.0)
    total = np.zeros(n)
    weighted = np.zeros(n)
    np.add.at(total, bucket, weights)
    np.add.at(weighted, bucket, weights * values)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = weighted / total
    if sound:
        with np.errstate(divide="ignore"):
            mean = 10.0 * np.log10(mean)
    mean[total == 0] = np.nan
    return mean


def _most_recent(cols: Columns, sample: Micros, bucket: Micros, out: BucketValues) -> None:
    n = len(out.has_data)
    order = np.lexsort((cols.rank[sample], -cols.start[sample], -cols.end[sample], bucket))
    sorted_buckets = bucket[order]
    firsts = np.ones(len(order), dtype=bool)
    firsts[1:] = sorted_buckets[1:] != sorted_buckets[:-1]
    chosen = sample[order][firsts]
    index = np.full(n, -1, dtype=np.int64)
    index[sorted_buckets[firsts]] = chosen
    values = np.full(n, np.nan)
    values[index >= 0] = cols.value[index[index >= 0]]
    out.most_recent = values
    out.most_recent_index = index


def _covered(cols: Columns, edges: Micros) -> Micros:
    """Time covered by the union of the samples, per bucket."""
    n = len(edges) - 1
    covered = np.zeros(n, dtype=np.int64)
    positive = cols.end > cols.start
    if not positive.any():
        return covered
    lo, hi = edges[0], edges[-1]
    starts = np.clip(cols.start[positive], lo, hi)
    ends = np.clip(cols.end[positive], lo, hi)
    bounds = distinct(np.concatenate([edges, starts, ends]))
    cover = np.zeros(len(bounds), dtype=np.int64)
    np.add.at(cover, np.searchsorted(bounds, starts), 1)
    np.add.at(cover, np.searchsorted(bounds, ends), -1)
    inside = np.cumsum(cover)[:-1] > 0
    lengths = np.diff(bounds)
    piece_bucket = np.searchsorted(edges, bounds[:-1], side="right") - 1
    np.add.at(covered, piece_bucket[inside], lengths[inside])
    return covered
