"""Progress bars for long calls (``progress=True``): tqdm's, when tqdm is installed.

``tqdm.auto`` picks the notebook widget in Jupyter and a text bar elsewhere. Without tqdm,
``progress=True`` shows nothing and costs nothing. The native code calls :func:`new_bar` once
per call and then only ``update`` / ``set_postfix_str`` / ``close`` on what it returns.

:func:`bars_from` swaps tqdm for another maker of bars within a block (the CLI's progress
line uses it, so it counts responses as ``progress=True`` does, with or without tqdm).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

BarMaker = Callable[[str, "int | None"], Any]

_maker: ContextVar[BarMaker | None] = ContextVar("hotjar_client_bar_maker", default=None)


def new_bar(description: str, surveys: int | None = None) -> Any | None:
    """A bar counting responses, or None when tqdm is not installed."""
    maker = _maker.get()
    if maker is not None:
        return maker(description, surveys)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    bar = tqdm(desc=description, unit=" responses", total=None, dynamic_ncols=True)
    if surveys is not None:
        bar.set_postfix_str(f"0/{surveys} surveys", refresh=False)
    return bar


@contextmanager
def bars_from(maker: BarMaker) -> Iterator[None]:
    """Within the block, ``progress=True`` calls made in this thread (or task) get their bar
    from ``maker(description, surveys)`` instead of tqdm."""
    token = _maker.set(maker)
    try:
        yield
    finally:
        _maker.reset(token)
