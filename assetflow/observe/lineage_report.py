"""Lineage as people read it: a text tree, Mermaid, Graphviz DOT, and an SVG in notebooks."""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from assetflow.observe import html
from assetflow.observe.graph_view import render_graph
from assetflow.observe.layout import layered_layout
from assetflow.observe.lineage import Direction

Format = Literal["tree", "mermaid", "dot"]
FORMATS: tuple[Format, ...] = ("tree", "mermaid", "dot")


class Lineage:
    """Assets and the edges between them, with mappings, partitioning, schedules, policies."""

    def __init__(
        self, nodes: pl.DataFrame, edges: pl.DataFrame, focus: str | None, direction: Direction
    ) -> None:
        self.nodes = nodes
        """One row per asset: see :data:`assetflow.observe.lineage.NODE_SCHEMA`."""
        self.edges = edges
        """One row per edge: see :data:`assetflow.observe.lineage.EDGE_SCHEMA`."""
        self.focus = focus
        """The asset the lineage was asked for (None: the whole graph)."""
        self.direction = direction

    def to_polars(self) -> pl.DataFrame:
        return self.nodes

    def to_json(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "direction": self.direction,
            "assets": self.nodes.to_dicts(),
            "edges": self.edges.to_dicts(),
        }

    def render(self, fmt: Format = "tree") -> str:
        if fmt == "mermaid":
            return self.mermaid()
        if fmt == "dot":
            return self.dot()
        return self.tree()

    def __repr__(self) -> str:
        return self.tree()

    # -- formats --------------------------------------------------------------------------

    def _details(self) -> dict[str, str]:
        found = {}
        for row in self.nodes.iter_rows(named=True):
            parts = [row["partitioning"], f"code {row['code_version']}"]
            parts += [f"schedule {s}" for s in row["schedules"]]
            if row["automation"]:
                parts.append(f"automation {row['automation']}")
            if row["policy"]:
                parts.append(row["policy"])
            if row["source"]:
                parts.append("source")
            found[row["asset"]] = "; ".join(parts)
        return found

    def tree(self) -> str:
        """An indented tree: from the focus asset along the direction (both: upstream, then
        downstream), or from every root downstream. An asset seen before prints once."""
        details = self._details()
        ups: dict[str, list[tuple[str, str]]] = {n: [] for n in details}
        downs: dict[str, list[tuple[str, str]]] = {n: [] for n in details}
        for up, down, mapping, _ in self.edges.iter_rows():
            ups[down].append((up, mapping))
            downs[up].append((down, mapping))
        lines: list[str] = []
        if self.focus is None:
            roots = [n for n in details if not ups[n]]
            seen: set[str] = set()
            for root in roots:
                lines.append(f"{root}  [{details[root]}]")
                seen.add(root)
                self._branch(root, downs, details, "", "->", seen, lines)
            return "\n".join(lines)
        lines.append(f"{self.focus}  [{details[self.focus]}]")
        if self.direction in ("upstream", "both"):
            self._branch(self.focus, ups, details, "", "<-", {self.focus}, lines)
        if self.direction in ("downstream", "both"):
            if self.direction == "both" and downs[self.focus]:
                lines.append("downstream:")
            self._branch(self.focus, downs, details, "", "->", {self.focus}, lines)
        return "\n".join(lines)

    def _branch(self, name, links, details, prefix, arrow, seen, lines) -> None:
        children = links[name]
        for i, (child, mapping) in enumerate(children):
            last = i == len(children) - 1
            joint = "└── " if last else "├── "
            again = child in seen
            info = "(see above)" if again else f"[{details[child]}]"
            lines.append(f"{prefix}{joint}{arrow} {child}  ({mapping})  {info}")
            if not again:
                seen.add(child)
                self._branch(
                    child, links, details, prefix + ("    " if last else "│   "), arrow, seen, lines
                )

    def mermaid(self) -> str:
        """A Mermaid flowchart (paste into Markdown that renders Mermaid)."""
        details = self._details()
        lines = ["graph LR"]
        for name, text in details.items():
            lines.append(f'  {name}["{_mermaid(name)}<br/>{_mermaid(text)}"]')
        for up, down, mapping, _ in self.edges.iter_rows():
            lines.append(f'  {up} -->|"{_mermaid(mapping)}"| {down}')
        return "\n".join(lines)

    def dot(self) -> str:
        """A Graphviz digraph (``asset lineage --format dot | dot -Tsvg > lineage.svg``)."""
        details = self._details()
        lines = ["digraph lineage {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];']
        for name, text in details.items():
            lines.append(f'  "{name}" [label="{_dot(name)}\\n{_dot(text)}"];')
        for up, down, mapping, data in self.edges.iter_rows():
            style = "" if data else ", style=dashed"
            lines.append(f'  "{up}" -> "{down}" [label="{_dot(mapping)}"{style}];')
        lines.append("}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        names = self.nodes["asset"].to_list()
        edges = [(u, d) for u, d, _, _ in self.edges.iter_rows()]
        svg = render_graph(layered_layout(names, edges), {}, center=self.focus, href="#{}")
        details = self._details()
        table = html.table(
            ["asset", "upstreams", "downstreams", "details"],
            (
                (
                    r["asset"],
                    ", ".join(r["upstreams"]) or "-",
                    ", ".join(r["downstreams"]) or "-",
                    details[r["asset"]],
                )
                for r in self.nodes.iter_rows(named=True)
            ),
        )
        title = "lineage" + (f" of {self.focus} ({self.direction})" if self.focus else "")
        return html.block(title, html.SVG_STYLE, svg, table)


def _mermaid(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
