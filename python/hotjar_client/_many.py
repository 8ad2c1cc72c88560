"""The result of ``responses_many``: a dict of what completed, and what failed."""

from __future__ import annotations

from typing import Any

from hotjar_client.exceptions import HotjarError


class SurveyResults(dict[str, Any]):
    """Survey id -> its responses (newest first), for every survey that completed: a list of
    dicts from ``responses_many``, a ``ResponseTable`` from ``responses_table_many``.

    Surveys that failed are in :attr:`errors` instead: survey id -> the :class:`HotjarError`
    that stopped it, whose ``partial`` holds the responses fetched before it failed and whose
    ``resume_cursor`` continues it::

        results = client.responses_many([111, 222, 333])
        for survey_id, error in results.errors.items():
            rest = client.responses(survey_id, resume_cursor=error.resume_cursor)
            results[survey_id] = error.partial + rest
        results.raise_for_errors()   # or raise if any survey is still missing

    Keys are in the order the surveys were asked for (the API's order for ``None``).
    """

    errors: dict[str, HotjarError]

    def __init__(
        self,
        completed: dict[str, Any] | None = None,
        errors: dict[str, HotjarError] | None = None,
    ) -> None:
        super().__init__(completed or {})
        self.errors = dict(errors or {})

    @property
    def ok(self) -> bool:
        """True when no survey failed."""
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raises the error of the first survey that failed, if any did.

        The exception is the survey's own (``partial`` and ``resume_cursor`` included); on
        Python 3.11+ a note names every other survey that failed.
        """
        if not self.errors:
            return
        survey_id, error = next(iter(self.errors.items()))
        others = [s for s in self.errors if s != survey_id]
        if others and hasattr(error, "add_note"):
            note = f"{len(others)} more survey(s) failed: {', '.join(others)} (see .errors)."
            if note not in getattr(error, "__notes__", ()):
                error.add_note(note)
        raise error

    def __repr__(self) -> str:
        unit = "responses" if all(isinstance(v, list) for v in self.values()) else "rows"
        responses = sum(len(rows) for rows in self.values())
        shown = ", ".join(f"'{s}': {len(rows)} {unit}" for s, rows in list(self.items())[:5])
        if len(self) > 5:
            shown += f", ... ({len(self) - 5} more)"
        failed = ""
        if self.errors:
            names = ", ".join(
                f"'{s}': {type(e).__name__} after {len(e.partial or [])} {unit}"
                for s, e in self.errors.items()
            )
            failed = f" errors={{{names}}}"
        return f"<SurveyResults {len(self)} surveys, {responses} {unit} {{{shown}}}{failed}>"

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as what it is, errors included
        return (type(self), (dict(self), self.errors))
