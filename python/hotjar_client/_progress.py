"""Progress bars for long calls (``progress=True``): tqdm's, when tqdm is installed.

``tqdm.auto`` picks the notebook widget in Jupyter and a text bar elsewhere. Without tqdm,
``progress=True`` shows nothing and costs nothing. The native code calls :func:`new_bar` once
per call and then only ``update`` / ``set_postfix_str`` / ``close`` on what it returns.
"""

from __future__ import annotations

from typing import Any


def new_bar(description: str, surveys: int | None = None) -> Any | None:
    """A bar counting responses, or None when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    bar = tqdm(desc=description, unit=" responses", total=None, dynamic_ncols=True)
    if surveys is not None:
        bar.set_postfix_str(f"0/{surveys} surveys", refresh=False)
    return bar
