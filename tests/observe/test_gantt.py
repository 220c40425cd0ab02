"""The Gantt renderer: a bar per attempt, failures and retries marked, rows folded, text escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from assetflow.observe.gantt import DENSE_ABOVE, MAX_LANES, TaskSpan, render_gantt
from assetflow.observe.statuses import FAILED, RUNNING

T0 = datetime(2026, 4, 10, 12, tzinfo=UTC)


def span(asset, key, attempt, start, seconds, state):
    end = None if seconds is None else T0 + timedelta(seconds=start + seconds)
    return TaskSpan(asset, key, attempt, T0 + timedelta(seconds=start), end, state)


def lanes_used(svg: str) -> int:
    return len(set(re.findall(r'class="bar[^"]*" x="[^"]+" y="([^"]+)"', svg)))


def test_bars_marks_and_a_running_attempt():
    spans = [
        span("load", "2026-04-01", 1, 0, 4, "succeeded"),
        span("load", "2026-04-02", 1, 4, 2, "failed"),
        span("load", "2026-04-02", 2, 7, 3, "failed"),
        span("clean", "2026-04-01", 1, 4, None, "running"),
    ]
    svg = render_gantt(spans, T0 + timedelta(seconds=12))
    assert svg.count('class="bar ') == 4
    assert svg.count(f'fill="{FAILED.colour}"') == 2
    assert svg.count('class="retry-mark"') == 1
    assert f'fill="{RUNNING.colour}"' in svg and "so far" in svg
    assert "load (3, 2 failed)" in svg


def test_overlapping_attempts_of_one_asset_fold_into_at_most_max_lanes():
    spans = [span("wide", f"k{i}", 1, 0, 10, "succeeded") for i in range(MAX_LANES + 4)]
    svg = render_gantt(spans, T0 + timedelta(seconds=10))
    assert svg.count('class="bar ') == MAX_LANES + 4
    assert lanes_used(svg) == MAX_LANES


def test_many_attempts_become_a_density_strip_of_bounded_size():
    spans = [
        span(f"a{i % 20}", f"k{i}", 1, i * 0.01, 0.5, "failed" if i % 97 == 0 else "succeeded")
        for i in range(DENSE_ABOVE * 5)
    ]
    svg = render_gantt(spans, T0 + timedelta(seconds=200))
    assert 'class="bar ' not in svg
    assert 0 < svg.count("<rect") < 20 * 600  # rows x (plot width / bin): not one per attempt
    assert "state-failed" in svg


def test_names_and_keys_are_escaped():
    svg = render_gantt([span("a", "<script>x</script>", 1, 0, 1, "<b>")], T0)
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg


def test_no_attempts_says_so():
    assert "No attempts" in render_gantt([], T0)
