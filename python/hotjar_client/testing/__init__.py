"""An offline fake of the Hotjar API, for tests, notebooks, demos and benchmarks.

>>> from hotjar_client.testing import FakeHotjar
>>> with FakeHotjar(seed=1) as fake, fake.client() as client:
...     survey_id = fake.survey_ids[0]
...     assert client.responses(survey_id) == fake.responses(survey_id)

Run it on its own with ``python -m hotjar_client.testing --port 8080``.
"""

from __future__ import annotations

import os
from typing import Any

from hotjar_client._client import AsyncClient, Client
from hotjar_client._native import RawFakeHotjar


class FakeHotjar(RawFakeHotjar):
    """A fake Hotjar API on loopback, with deterministic data from ``seed``.

    The server is the native ``hotjar_fake`` crate; this class adds the clients that talk to
    it.

    >>> from hotjar_client.testing import FakeHotjar
    >>> with FakeHotjar(seed=1) as fake, fake.client() as client:
    ...     rows = client.responses(fake.survey_ids[0])
    ...     assert rows == fake.responses(fake.survey_ids[0])
    """

    @classmethod
    def from_recording(cls, path: str | os.PathLike[str], **options: Any) -> FakeHotjar:
        """A fake that serves a recording made by ``hotjar-client record`` (or
        ``hotjar_client.record``): the recorded site, its surveys with their questions, and
        each survey's responses in the pages they were recorded in, so the client sees the
        shapes and the pagination of the real account. Other keyword arguments are the
        constructor's (``latency``, ``rate_limit``, ...).

        >>> with FakeHotjar.from_recording("account.jsonl") as fake, fake.client() as client:
        ...     rows = client.responses(fake.survey_ids[0])
        """
        return cls(recording=os.fspath(path), **options)

    def _options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {
            "base_url": self.url,
            "site_id": self.site_id,
            "organization_id": self.organization_id,
            **options,
        }

    def client(self, **options: Any) -> Client:
        """A ``Client`` for this fake (its URL, credentials, site and organization); keyword
        arguments are passed on, e.g. ``fake.client(max_retries=0)``."""
        return Client(self.client_id, self.client_secret, **self._options(options))

    def async_client(self, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` for this fake, like ``client()``."""
        return AsyncClient(self.client_id, self.client_secret, **self._options(options))


__all__ = ["FakeHotjar"]
