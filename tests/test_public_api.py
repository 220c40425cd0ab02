"""The curated public API: sorted, complete, importable."""

from __future__ import annotations

import assetflow as af


def test_all_is_sorted_and_unique():
    assert list(af.__all__) == sorted(set(af.__all__))


def test_every_name_in_all_exists():
    missing = [name for name in af.__all__ if not hasattr(af, name)]
    assert missing == []


def test_every_error_is_an_assetflow_error():
    errors = [getattr(af, n) for n in af.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, af.AssetflowError) for e in errors)
