"""``iter_responses`` and ``aiter_responses``: a survey's responses one at a time, fetched a page
(100 responses) at a time as the iteration needs them, over one native object that fetches
and decodes a page (``_native.RawResponsePages``)."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import NoReturn

from hotjar_client._native import RawResponsePages
from hotjar_client._types import Response


class _Pages:
    """What both iterators share: the pages, the rows of the last one, and how they show."""

    __slots__ = ("_done", "_pages", "_rows")

    def __init__(self, pages: RawResponsePages) -> None:
        self._pages = pages
        self._rows: deque[Response] = deque()
        self._done = False

    @property
    def resume_cursor(self) -> str | None:
        """Where to resume if the iteration stopped on an error (None before the first page)."""
        return self._pages.resume_cursor

    @property
    def pages_fetched(self) -> int:
        """Pages fetched so far."""
        return self._pages.pages_fetched

    def __repr__(self) -> str:
        return (
            f"<hotjar_client.{type(self).__name__} survey_id='{self._pages.survey_id}' "
            f"pages_fetched={self.pages_fetched}>"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            f"A {type(self).__name__} cannot be pickled or copied. To continue an export "
            "elsewhere, pass its resume_cursor to iter_responses() or responses() there."
        )


class ResponseIterator(_Pages, Iterator[Response]):
    """A survey's responses, newest first, fetched a page at a time as you iterate.

    A page that fails raises its error (with ``resume_cursor``); the rows of pages already
    fetched are still handed out after ``client.close()``, but no new page is fetched.
    """

    __slots__ = ()

    def __iter__(self) -> ResponseIterator:
        return self

    def __next__(self) -> Response:
        while not self._rows:
            if self._done:
                raise StopIteration
            page = self._pages.next_page()
            if page is None:
                self._done = True
                raise StopIteration
            self._rows.extend(page)
        return self._rows.popleft()


class AsyncResponseIterator(_Pages, AsyncIterator[Response]):
    """``ResponseIterator`` for ``async for``."""

    __slots__ = ()

    def __aiter__(self) -> AsyncResponseIterator:
        return self

    async def __anext__(self) -> Response:
        while not self._rows:
            if self._done:
                raise StopAsyncIteration
            page = await self._pages.next_page_async()
            if page is None:
                self._done = True
                raise StopAsyncIteration
            self._rows.extend(page)
        return self._rows.popleft()


__all__ = ["AsyncResponseIterator", "ResponseIterator"]
