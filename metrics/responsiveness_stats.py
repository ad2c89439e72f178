"""Percentiles from histograms: how the responsiveness section reads a
median out of the database without fetching one row per conversation.

EDGES are the upper bounds of the buckets, in seconds: about 6 % apart (so a
percentile read from a bucket is within a few percent of the exact one), plus
exactly one hour and one day, so that "answered within 1 h / 24 h" is an
exact count. Bucket i holds the durations d with EDGES[i-1] < d <= EDGES[i];
the last bucket has no upper bound.

A percentile is the nearest rank (the smallest duration at least p % of the
durations do not exceed); the bucket it falls in reports the mean of its own
durations (the database returns their count and sum). When a bucket holds a
single distinct duration, as in every small example, the result is exact."""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field

HOUR = 3600
DAY = 24 * HOUR


def _edges() -> list[int]:
    edges = {0, HOUR, DAY}
    value = 60.0
    while value < 2 * 366 * DAY:
        edges.add(int(round(value)))
        value *= 1.06
    return sorted(edges)


EDGES: list[int] = _edges()


def bucket_of(seconds: int) -> int:
    return bisect_left(EDGES, seconds)


WITHIN_HOUR = bucket_of(HOUR)
WITHIN_DAY = bucket_of(DAY)


@dataclass
class Histogram:
    """Counts and sums of durations per bucket; `unanswered` waits have none."""

    buckets: dict[int, list[int]] = field(default_factory=dict)  # bucket -> [count, sum of seconds]
    unanswered: int = 0

    def add(self, bucket: int | None, count: int, total: int | None) -> None:
        if bucket is None:
            self.unanswered += count
            return
        entry = self.buckets.setdefault(bucket, [0, 0])
        entry[0] += count
        entry[1] += total or 0

    def merge(self, other: Histogram) -> None:
        for bucket, (count, total) in other.buckets.items():
            self.add(bucket, count, total)
        self.unanswered += other.unanswered

    @property
    def answered(self) -> int:
        return sum(count for count, _total in self.buckets.values())

    @property
    def total(self) -> int:
        return self.answered + self.unanswered

    def percentile(self, p: float) -> float | None:
        """The p-th percentile (nearest rank) of the answered durations; None without any."""
        answered = self.answered
        if not answered:
            return None
        rank = max(1, math.ceil(p / 100 * answered))
        seen = 0
        for bucket in sorted(self.buckets):
            count, total = self.buckets[bucket]
            seen += count
            if seen >= rank:
                return total / count
        raise AssertionError("unreachable: the ranks add up to the count")

    def share_within(self, bucket_limit: int) -> float | None:
        """Percent of all waits (answered or not) answered within the bucket's
        upper bound: a wait nobody has answered yet counts as not answered in time."""
        if not self.total:
            return None
        within = sum(count for bucket, (count, _total) in self.buckets.items() if bucket <= bucket_limit)
        return 100 * within / self.total
