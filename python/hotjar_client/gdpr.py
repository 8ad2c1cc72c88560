"""GDPR lookups and deletions in bulk: the report of :meth:`hotjar_client.Client.lookup_many`.

A :class:`LookupReport` is a list of :class:`LookupRow` dicts, one per data subject, in input
order::

    {"index": 0, "email": "j***@example.com", "user_ids": None, "action": "delete",
     "organization_id": "445566", "status": "ok", "http_status": 200, "error_type": None,
     "error": None, "at": "2026-06-30T12:00:00.123Z", "duplicate_of": None}

A subject given twice in one run (the same email, its domain in any case, and the same user
ids) is sent once: the later rows get that request's result, and ``duplicate_of`` holds the
``index`` of the row that was sent.

Every value a row shows is masked, and so is every repr. The subject as given is kept aside
(``row.subject``), because re-running the failed rows needs it, and it is written in full in
one place only: the CSV you ask for with :meth:`LookupReport.to_csv`.

>>> report = client.lookup_many(emails, delete=True, confirm=True)
>>> report.to_csv("deletions-2026-06-30.csv")      # the audit record
>>> report = client.lookup_many(report, delete=True, confirm=True)   # retries the failed rows
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from hotjar_client._native import ConfigurationError, PathLock
from hotjar_client._native import _csv_guard as csv_guard
from hotjar_client._native import _csv_unguard as csv_unguard
from hotjar_client._native import _mask_subject as mask_subject

if TYPE_CHECKING:
    import pandas

    from hotjar_client._native import RawClient

__all__ = ["COLUMNS", "LookupReport", "LookupRow", "Subject", "lock_report", "mask_subject"]

COLUMNS = (
    "index",
    "email",
    "user_ids",
    "action",
    "organization_id",
    "status",
    "http_status",
    "error_type",
    "error",
    "at",
    "duplicate_of",
)
"""The keys of every row, and the columns of the CSV and the DataFrame, in order."""

_OPTIONAL_COLUMNS = frozenset({"duplicate_of"})
"""Columns that reports of earlier versions lack (read as empty)."""

_SUBJECT_KEYS = frozenset({"email", "user_ids"})


class LookupRow(dict[str, Any]):
    """One data subject's outcome. Its values (and so its repr) show the subject masked.

    ``row.subject`` gives the subject as it was sent (``{"email": ..., "user_ids": ...}``),
    for re-running; it is never part of the row's repr, of ``dict(row)`` or of a DataFrame.
    """

    __slots__ = ("_subject",)

    def __init__(
        self,
        fields: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        /,
        *,
        subject: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(fields)
        self._subject = dict(subject) if subject is not None else {}

    @property
    def ok(self) -> bool:
        """Whether Hotjar accepted this subject's request."""
        return self.get("status") == "ok"

    @property
    def subject(self) -> dict[str, Any]:
        """The subject as it was sent: ``{"email": str | None, "user_ids": dict | None}``."""
        ids = self._subject.get("user_ids")
        return {
            "email": self._subject.get("email"),
            "user_ids": dict(ids) if isinstance(ids, Mapping) else ids,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy keep the subject aside, as it is in memory.
        return (type(self), (dict(self),), {"_subject": self._subject})

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self._subject = dict(state.get("_subject") or {})


Subject: TypeAlias = str | Mapping[str, Any] | LookupRow
"""A subject of ``lookup_many``: an email, a dict with ``email`` and/or ``user_ids``, or a row
of an earlier report."""


class LookupReport(list[LookupRow]):
    """The rows of a bulk lookup or deletion, one per subject, in input order.

    ``report.failed`` / ``report.ok`` select rows; ``to_csv`` / ``from_csv`` keep an audit
    record that can be fed back; ``to_pandas`` gives a DataFrame (masked). Feed the report,
    its ``failed`` rows, or ``LookupReport.from_csv(path)`` back to ``lookup_many`` to retry
    only what failed.
    """

    def __init__(
        self,
        rows: Iterable[LookupRow] = (),
        *,
        action: str | None = None,
        organization_id: str | None = None,
    ) -> None:
        super().__init__(rows)
        for position, row in enumerate(self):
            if not isinstance(row, LookupRow):
                raise TypeError(
                    f"row {position} is a {type(row).__name__}, not a LookupRow; build reports "
                    "with Client.lookup_many() or LookupReport.from_csv()"
                )
        self.action = action
        self.organization_id = organization_id

    def _select(self, status: str) -> LookupReport:
        return LookupReport(
            (row for row in self if row.get("status") == status),
            action=self.action,
            organization_id=self.organization_id,
        )

    @property
    def ok(self) -> LookupReport:
        """The rows Hotjar accepted."""
        return self._select("ok")

    @property
    def failed(self) -> LookupReport:
        """The rows that failed (pass them to ``lookup_many`` to retry them)."""
        return self._select("failed")

    @property
    def all_ok(self) -> bool:
        """Whether every row succeeded."""
        return all(row.ok for row in self)

    def counts(self) -> dict[str, int]:
        """``{"ok": n, "failed": m}``."""
        ok = sum(1 for row in self if row.ok)
        return {"ok": ok, "failed": len(self) - ok}

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Writes the report as CSV (UTF-8, columns :data:`COLUMNS`) and returns the path.

        This file is the audit record, and the one place that holds the subjects **in full**
        (``user_ids`` as JSON), so that it can be fed back with :meth:`from_csv`. On POSIX it
        is created readable by its owner only. Treat it as personal data.

        A cell that a spreadsheet would run as a formula (one starting with ``=``, ``+``,
        ``-``, ``@``, a tab or a carriage return, such as an address typed by a stranger) is
        written with a ``'`` in front, so Excel, LibreOffice and Google Sheets show it as
        text; :meth:`from_csv` removes it and reads every cell back exactly.
        """
        target = Path(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            if os.name == "posix":
                os.fchmod(out.fileno(), 0o600)
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            for row in self:
                subject = row.subject
                record = {key: row.get(key) for key in COLUMNS}
                record["email"] = subject["email"] or ""
                ids = subject["user_ids"]
                record["user_ids"] = json.dumps(ids, ensure_ascii=False) if ids else ""
                writer.writerow(
                    csv_guard("" if record[key] is None else str(record[key])) for key in COLUMNS
                )
        return target

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> LookupReport:
        """Reads a CSV written by :meth:`to_csv`, subjects in full, ready to feed back.

        >>> report = LookupReport.from_csv("deletions.csv")
        >>> client.lookup_many(report, delete=True, confirm=True)   # only the failed rows
        """
        with open(path, encoding="utf-8", newline="") as source:
            reader = csv.DictReader(source)
            missing = [
                c
                for c in COLUMNS
                if c not in (reader.fieldnames or ()) and c not in _OPTIONAL_COLUMNS
            ]
            if missing:
                raise ConfigurationError(
                    f"{os.fspath(path)!r} is not a report written by LookupReport.to_csv(): "
                    f"it lacks the column(s) {', '.join(missing)}."
                )
            rows = []
            for line, record in enumerate(reader, start=2):
                rows.append(_row_from_csv(record, line, path))
        actions = {row["action"] for row in rows}
        organizations = {row["organization_id"] for row in rows}
        return cls(
            rows,
            action=actions.pop() if len(actions) == 1 else None,
            organization_id=organizations.pop() if len(organizations) == 1 else None,
        )

    def to_pandas(self) -> pandas.DataFrame:
        """The report as a pandas DataFrame with the columns :data:`COLUMNS`, masked."""
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "LookupReport.to_pandas() needs pandas, which is not installed. Install it "
                "with: pip install 'hotjar-client[pandas]'"
            ) from error
        return pd.DataFrame.from_records([dict(row) for row in self], columns=list(COLUMNS))

    def __repr__(self) -> str:
        counts = self.counts()
        return (
            f"<LookupReport action={self.action!r} organization_id={self.organization_id!r} "
            f"rows={len(self)} ok={counts['ok']} failed={counts['failed']}>"
        )

    def __str__(self) -> str:
        lines = [repr(self)]
        failed = self.failed
        for row in failed[:10]:
            who = row.get("email") or row.get("user_ids") or "(no subject)"
            error = f"{row.get('error_type')}: {row.get('error')}"
            lines.append(f"  #{row.get('index')} {who}: {error}")
        if len(failed) > 10:
            lines.append(f"  ... and {len(failed) - 10} more failed rows")
        return "\n".join(lines)


@contextmanager
def lock_report(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Holds an OS lock on a report CSV while a run reads, continues and rewrites it, so that
    a second run (in this process or another) fails at once with ``ExportFileError`` (also a
    ``BlockingIOError``) instead of sending the same failed rows again. The lock lives in
    ``<path>.lock``, removed at the end; a crashed process never leaves it held.

    >>> with lock_report("deletions.csv") as path:
    ...     report = client.lookup_many(LookupReport.from_csv(path), delete=True, confirm=True)
    ...     report.to_csv(path)
    """
    lock = PathLock(path, "run continuing this report")
    try:
        yield Path(path)
    finally:
        lock.release()


def _row_from_csv(written: Mapping[str, str | None], line: int, path: Any) -> LookupRow:
    where = f"{os.fspath(path)!r}, line {line}"
    # Cells as they were before the formula guard of to_csv(); a short line reads as empty.
    record = {key: csv_unguard(written.get(key) or "") for key in COLUMNS}
    status = record["status"]
    if status not in ("ok", "failed"):
        raise ConfigurationError(f"{where}: status must be 'ok' or 'failed', got {status!r}.")
    email = record["email"] or None
    try:
        user_ids = json.loads(record["user_ids"]) if record["user_ids"] else None
        index: Any = int(record["index"])
        http_status = int(record["http_status"]) if record["http_status"] else None
        duplicate_of = int(record["duplicate_of"]) if record["duplicate_of"] else None
    except ValueError as error:
        raise ConfigurationError(
            f"{where}: the index, http_status, duplicate_of or user_ids column is damaged "
            f"({error})."
        ) from None
    if user_ids is not None and not isinstance(user_ids, dict):
        raise ConfigurationError(f"{where}: user_ids must be a JSON object.")
    shown = mask_subject(email, {str(k): str(v) for k, v in (user_ids or {}).items()})
    fields = {
        "index": index,
        "email": shown["email"],
        "user_ids": shown["user_ids"],
        "action": record["action"],
        "organization_id": record["organization_id"],
        "status": status,
        "http_status": http_status,
        "error_type": record["error_type"] or None,
        "error": record["error"] or None,
        "at": record["at"],
        "duplicate_of": duplicate_of,
    }
    return LookupRow(fields, subject={"email": email, "user_ids": user_ids})


def _missing(value: Any) -> bool:
    """None, or a float NaN (how pandas marks an empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _prepare(
    subjects: Any, action: str, organization_id: str
) -> list[tuple[Any, Any, Any, LookupRow | None]]:
    """Reads ``lookup_many``'s input into ``(index, email, user_ids, carried_row)`` tuples.

    Called by the native client before anything is sent. Wrong shapes raise ``TypeError`` /
    ``ConfigurationError`` here; the subjects' values are checked in Rust (an invalid one
    becomes a failed row). A row of an earlier report that already succeeded with the same
    action and organization comes back as ``carried_row`` and is not sent again.
    """
    if isinstance(subjects, (str, bytes)):
        raise TypeError(
            "subjects must be a list (or any iterable) of emails or dicts, not a single "
            "str; for one subject use lookup_many([email]) or user_lookup(email=...)"
        )
    if isinstance(subjects, Mapping):
        raise TypeError(
            "subjects must be a list (or any iterable) of emails or dicts, not a single "
            "dict; wrap it in a list"
        )
    if isinstance(subjects, os.PathLike):
        raise TypeError(
            "subjects is a path; to re-run a CSV written by LookupReport.to_csv(), pass "
            "LookupReport.from_csv(path)"
        )
    try:
        items = iter(subjects)
    except TypeError:
        raise TypeError(
            "subjects must be an iterable of emails, dicts with 'email' and/or 'user_ids', "
            f"or rows of a LookupReport, not {type(subjects).__name__}"
        ) from None
    prepared: list[tuple[Any, Any, Any, LookupRow | None]] = []
    for position, item in enumerate(items):
        if isinstance(item, LookupRow):
            subject = item.subject
            same_run = item.get("action") == action and (
                str(item.get("organization_id")) == organization_id
            )
            carried = item if item.ok and same_run else None
            prepared.append(
                (item.get("index", position), subject["email"], subject["user_ids"], carried)
            )
        elif isinstance(item, str):
            prepared.append((position, item, None, None))
        elif isinstance(item, Mapping):
            unknown = [k for k in item if k not in _SUBJECT_KEYS]
            if unknown:
                shown = ", ".join(
                    repr(k) if "@" not in str(k) else "an email address" for k in unknown
                )
                raise ConfigurationError(
                    f"subject #{position} has unknown key(s) {shown}: a subject dict takes "
                    "'email' and/or 'user_ids' (site id -> user id). To re-run a report, pass "
                    "the report (or LookupReport.from_csv(path)) itself."
                )
            email = None if _missing(item.get("email")) else item.get("email")
            user_ids = None if _missing(item.get("user_ids")) else item.get("user_ids")
            if email is not None and not isinstance(email, str):
                raise TypeError(
                    f"subject #{position}: email must be a str or None, not "
                    f"{type(email).__name__}"
                )
            if user_ids is not None and not isinstance(user_ids, Mapping):
                raise TypeError(
                    f"subject #{position}: user_ids must be a dict of site id -> user id, not "
                    f"{type(user_ids).__name__}"
                )
            prepared.append((position, email, user_ids, None))
        else:
            raise TypeError(
                f"subject #{position} must be an email (str), a dict with 'email' and/or "
                f"'user_ids', or a row of a LookupReport, not {type(item).__name__}"
            )
    return prepared


class BulkRun:
    """One ``lookup_many`` run of either client: its input, read once here (shapes) before the
    native client checks the values (raising before anything is sent), the native run that
    sends, and the report made of the rows it returns."""

    def __init__(
        self,
        raw: RawClient,
        subjects: Any,
        delete: bool,
        confirm: bool,
        organization_id: Any,
        concurrency: int,
    ) -> None:
        self.organization: str = raw.organization(organization_id)
        self.action = "delete" if delete else "lookup"
        items = _prepare(subjects, self.action, self.organization)
        self._native = raw.lookup_many(items, delete, confirm, self.organization, concurrency)

    def report(self, rows: Iterable[Any]) -> LookupReport:
        """The report: a carried row as it was, a new row from its ``(fields, subject)``."""
        return LookupReport(
            (
                row if isinstance(row, LookupRow) else LookupRow(row[0], subject=row[1])
                for row in rows
            ),
            action=self.action,
            organization_id=self.organization,
        )

    def waited(self) -> LookupReport:
        """The blocking run's report; Ctrl-C's ``KeyboardInterrupt`` carries the report so far
        as ``.report``."""
        try:
            rows = self._native.wait()
        except KeyboardInterrupt as interrupted:
            so_far = getattr(interrupted, "rows", None)
            if so_far is not None:
                interrupted.report = self.report(so_far)  # type: ignore[attr-defined]
            raise
        return self.report(rows)

    async def awaited(self) -> LookupReport:
        """The awaited run's report; a cancelled task's ``CancelledError`` carries the report
        so far as ``.report`` (no request starts after it is made)."""
        # Imported here: asyncio (with ssl) weighs 9 MB, which a synchronous user never needs.
        import asyncio

        try:
            rows = await self._native.wait_async()
        except asyncio.CancelledError as cancelled:
            cancelled.report = self.report(self._native.rows())  # type: ignore[attr-defined]
            raise
        return self.report(rows)
