"""The status matrix: one byte per (asset, partition), grouped by partitioning, and its payload.

Assets that share a partitions definition share a column axis, so they form one *group*: a
:class:`~assetflow.ui.keyrule.KeyRule` naming the columns plus a row-major ``rows x count``
array of status codes (``statuses.py``). Unpartitioned assets form one group of one column.

Wire format of :func:`encode` (``GET /api/matrix``), read by ``static/matrix.js``::

    b"AFM1"                      magic and version
    uint32, little-endian        length H of the header
    H bytes of UTF-8 JSON        {"as_of", "legend", "severity",
                                  "groups": [{"rule", "assets", "due", "offset"}]}
    the codes of every group     group g: rows x rule.count bytes from offset g.offset

100 assets x 3,650 days is 365,000 bytes (about 1 KB once gzipped when nearly all are fresh).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import PartitionsDefinition, TimeWindowPartitions
from assetflow.observe.statuses import CODES, FUTURE, MISSING, SEVERITY, STYLES, legend
from assetflow.ui.keyrule import KeyRule, rule_for, unpartitioned_rule

MAGIC = b"AFM1"
_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}


@dataclass(frozen=True, eq=False)
class MatrixGroup:
    """Assets sharing one column axis, and their codes (``rows x rule.count``, row-major)."""

    rule: KeyRule
    assets: tuple[str, ...]
    codes: np.ndarray
    """uint8, shape ``(len(assets), rule.count)``."""
    due: int
    """Columns ``0 .. due-1`` are due; the rest are future windows."""


@dataclass(frozen=True, eq=False)
class StatusMatrix:
    """Every group of the overview, as of one instant."""

    as_of: datetime
    groups: tuple[MatrixGroup, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        """Asset -> state name -> number of partitions in that state (zeros included)."""
        out: dict[str, dict[str, int]] = {}
        for group in self.groups:
            if not group.assets:
                continue
            per_row = [np.bincount(row, minlength=len(STYLES)) for row in group.codes]
            for name, row in zip(group.assets, per_row, strict=True):
                out[name] = {s.name: int(row[s.code]) for s in STYLES}
        return out


def build_matrix(
    graph: AssetGraph,
    cells: pl.DataFrame,
    as_of: datetime,
    assets: Sequence[str] | None = None,
) -> StatusMatrix:
    """Lay ``cells`` (columns ``asset``, ``partition``, ``status``) out as grouped code arrays.

    Due partitions absent from ``cells`` are ``missing``; partitions ``cells`` holds outside the
    due range (committed under an earlier definition) are left out. Groups come in the order of
    their first asset in ``graph``'s topological order; rows within a group in that order too.
    """
    chosen = list(graph.order) if assets is None else [a for a in graph.order if a in set(assets)]
    by_definition: dict[PartitionsDefinition | None, list[str]] = {}
    for name in chosen:
        by_definition.setdefault(graph[name].partitions, []).append(name)
    coded = cells.select(
        "asset", "partition", pl.col("status").replace_strict(CODES, return_dtype=pl.UInt8)
    )
    groups = tuple(
        _group(definition, names, coded, as_of) for definition, names in by_definition.items()
    )
    return StatusMatrix(as_of=as_of, groups=groups)


def _group(
    definition: PartitionsDefinition | None, names: list[str], coded: pl.DataFrame, as_of: datetime
) -> MatrixGroup:
    if definition is None:
        rule, due = unpartitioned_rule(), 1
    else:
        keys = _columns(definition, as_of)
        due = len(definition.due_series(as_of))
        rule = rule_for(definition, keys)
    codes = np.full((len(names), rule.count), MISSING.code, dtype=np.uint8)
    codes[:, due:] = FUTURE.code
    if rule.count:
        positions = pl.DataFrame(
            {"partition": rule.expand(), "_col": np.arange(rule.count, dtype=np.int64)}
        )
        rows = pl.DataFrame({"asset": names, "_row": np.arange(len(names), dtype=np.int64)})
        placed = (
            coded.join(rows, on="asset", how="inner")
            .join(positions, on="partition", how="inner")
            .filter(pl.col("_col") < due)
        )
        codes[placed["_row"].to_numpy(), placed["_col"].to_numpy()] = placed["status"].to_numpy()
    return MatrixGroup(rule=rule, assets=tuple(names), codes=codes, due=due)


def _columns(definition: PartitionsDefinition, as_of: datetime) -> pl.Series:
    """Due keys, then the window that is open at ``as_of`` (if the definition has it)."""
    due = definition.due_series(as_of)
    if not isinstance(definition, TimeWindowPartitions):
        return due
    step = _STEP.get(definition.unit, timedelta(days=31))
    ahead = definition.due_series(as_of + step)
    return ahead.slice(0, len(due) + 1) if len(ahead) > len(due) else due


def header(matrix: StatusMatrix) -> dict[str, object]:
    """The JSON header of the payload (also the body of the JSON twin, minus the codes)."""
    groups, offset = [], 0
    for group in matrix.groups:
        groups.append(
            {
                "rule": group.rule.to_dict(),
                "assets": list(group.assets),
                "due": group.due,
                "offset": offset,
            }
        )
        offset += group.codes.size
    return {
        "as_of": matrix.as_of.isoformat(),
        "legend": legend(),
        "severity": [CODES[name] for name in SEVERITY],
        "groups": groups,
    }


def encode(matrix: StatusMatrix) -> bytes:
    """The binary payload: magic, header length, JSON header, then every group's codes."""
    head = json.dumps(header(matrix), separators=(",", ":")).encode()
    body = b"".join(np.ascontiguousarray(g.codes).tobytes() for g in matrix.groups)
    return MAGIC + struct.pack("<I", len(head)) + head + body


def decode(payload: bytes) -> tuple[dict, list[np.ndarray]]:
    """Inverse of :func:`encode` (header and one code array per group); used by tests."""
    if payload[:4] != MAGIC:
        raise ValueError("not a status matrix payload")
    (size,) = struct.unpack("<I", payload[4:8])
    head = json.loads(payload[8 : 8 + size])
    body = np.frombuffer(payload[8 + size :], dtype=np.uint8)
    arrays = []
    for g in head["groups"]:
        n = len(g["assets"]) * g["rule"]["count"]
        arrays.append(body[g["offset"] : g["offset"] + n].reshape(len(g["assets"]), -1))
    return head, arrays


def to_json(matrix: StatusMatrix) -> dict[str, object]:
    """The JSON twin: the header, per-asset counts, and each group's codes in base64."""
    out = header(matrix)
    for entry, group in zip(out["groups"], matrix.groups, strict=True):  # type: ignore[arg-type]
        entry["codes_base64"] = base64.b64encode(group.codes.tobytes()).decode()
    out["counts"] = matrix.counts()
    return out
