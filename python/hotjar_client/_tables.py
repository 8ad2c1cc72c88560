"""Conversions of a :class:`~hotjar_client.ResponseTable` that need optional packages.

The native table calls these; each import error names the extra that installs the package.
"""

from __future__ import annotations

import html
import importlib
from typing import Any

_EXTRAS = {"pandas": "pandas", "pyarrow": "arrow", "polars": "polars"}


def _require(module: str, method: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        extra = _EXTRAS.get(module, module)
        raise ImportError(
            f"ResponseTable.{method}() needs {module}, which is not installed. "
            f"Install it with: pip install 'hotjar-client[{extra}]'"
        ) from error


def to_pyarrow(table: Any) -> Any:
    pa = _require("pyarrow", "to_pyarrow")
    return pa.table(table)


def to_polars(table: Any) -> Any:
    pl = _require("polars", "to_polars")
    return pl.DataFrame(table)


def to_pandas(table: Any) -> Any:
    pd = _require("pandas", "to_pandas")
    pa = _require("pyarrow", "to_pandas")
    nullable = {
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    # Integers and flags stay integers and flags when some are missing (not float/object);
    # dictionary columns become categoricals; user attributes become dicts.
    return pa.table(table).to_pandas(types_mapper=nullable.get, maps_as_pydicts="lossy")


def repr_html(table: Any, rows: int = 10) -> str:
    """A small HTML preview for notebooks: the first rows, long texts shortened."""
    head = table.head(rows).to_pylist()
    names = table.column_names
    cells = []
    for row in head:
        cells.append(
            "<tr>" + "".join(f"<td>{html.escape(_short(row[n]))}</td>" for n in names) + "</tr>"
        )
    header = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    caption = (
        f"ResponseTable survey {html.escape(table.survey_id)}: {table.num_rows:,} rows, "
        f"{table.num_columns} columns ({table.layout})"
    )
    more = f"<p>… {table.num_rows - rows:,} more rows</p>" if table.num_rows > rows else ""
    return (
        f"<div><p><b>{caption}</b></p><table><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(cells)}</tbody></table>{more}</div>"
    )


def _short(value: Any, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
