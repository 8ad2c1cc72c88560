"""How results look: an HTML table in notebooks (``_repr_html_``), a short text table in a
terminal. The results stay plain Python containers; only their display changes."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

# Rows shown before "... N more": enough to see the data, little enough to keep a notebook fast.
MAX_ROWS = 30
# Characters of a cell shown in the text table.
MAX_TEXT_CELL = 40


def _cell(value: Any) -> str:
    """One value as table text: nested lists and dicts are summarised, not dumped."""
    if value is None:
        return ""
    if isinstance(value, list):
        return f"[{len(value)} items]"
    if isinstance(value, dict):
        return "{" + ", ".join(str(k) for k in value) + "}"
    return str(value)


def columns_of(rows: Iterable[dict[str, Any]], skip: Sequence[str] = ()) -> list[str]:
    """The keys of every row, in the order they first appear."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in skip:
                seen.setdefault(key, None)
    return list(seen)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    title: str | None,
    *,
    limit: int | None = MAX_ROWS,
    width: int = MAX_TEXT_CELL,
) -> str:
    """A plain-text table of the first ``limit`` rows (all with None) under ``title``."""
    shown = rows if limit is None else rows[:limit]
    cells = [[_shorten(_cell(row.get(c)), width) for c in columns] for row in shown]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [] if title is None else [title]
    if columns:
        lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
        lines.extend(
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells
        )
    if len(rows) > len(shown):
        lines.append(f"… {len(rows) - len(shown)} more")
    return "\n".join(lines)


def html_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str) -> str:
    """An HTML table of the first ``MAX_ROWS`` rows, every value escaped."""
    shown = rows[:MAX_ROWS]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in shown
    )
    more = f"<p>… {len(rows) - len(shown)} more</p>" if len(rows) > len(shown) else ""
    return (
        f"<div><p><b>{html.escape(title)}</b></p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )


class SurveyList(list):  # type: ignore[type-arg]
    """The surveys of a site: a plain ``list`` of dicts (index it, loop over it, compare it)
    that shows as a table in notebooks and as a short summary in a terminal.

    >>> surveys = client.list_surveys()
    >>> surveys[0]["name"]
    'Post-checkout NPS'
    """

    # Links to the API add nothing to a table; the dicts still have them.
    _HIDDEN = ("url", "responses_url")

    def _columns(self) -> list[str]:
        return columns_of(self, skip=self._HIDDEN)

    def _title(self) -> str:
        return f"{len(self)} survey{'' if len(self) == 1 else 's'}"

    def __repr__(self) -> str:
        return text_table(self, self._columns(), self._title())

    def _repr_html_(self) -> str:
        return html_table(self, self._columns(), self._title())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's pretty printer would otherwise print the list item by item.
        printer.text("SurveyList(...)" if cycle else repr(self))
