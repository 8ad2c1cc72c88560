"""A dlt source: Hotjar surveys and responses into any warehouse or lakehouse dlt writes to,
kept current by incremental runs that merge (extra ``[dlt]``: ``pip install hotjar-client[dlt]``).

>>> import dlt
>>> from hotjar_client.dlt import hotjar_source
>>> pipeline = dlt.pipeline("hotjar", destination="duckdb", dataset_name="hotjar")
>>> pipeline.run(hotjar_source())          # credentials from dlt config/secrets or HOTJAR_*

Four tables, the same for every survey:

- ``surveys`` (replace): one row per survey, without its questions;
- ``survey_questions`` (replace): ``survey_id``, ``question_id``, ``position``, ``type``,
  ``text``, ``is_required``, ``choices`` and ``labels`` (JSON);
- ``survey_responses`` (merge on ``response_id``): ``survey_id`` and every response field,
  ``created_time`` a timestamp, ``user_attributes`` JSON;
- ``survey_answers`` (merge on ``response_id``: a response read again replaces all its
  answers): ``response_id``, ``survey_id``, ``question_id``, ``answer``, ``comment``,
  ``sentiment``, ``tags`` (JSON).

Each run fetches, per survey, only the responses newer than the newest one of the last run
minus ``lookback`` (a partial response is completed in the minutes after it is created), and
stops paging there. Rows come from the Rust core as Arrow tables, fetched once per survey in
the long shape and split in two with pyarrow. The newest ``created_time`` of each survey is
kept in dlt's state; a survey that fails keeps its old state (its rows are fetched again next
run) without stopping the others, and is listed by :func:`failed_surveys`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

try:
    import dlt
    import pyarrow as pa
    import pyarrow.compute as pc
    from dlt.extract.source import DltSource
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"hotjar_client.dlt needs dlt and pyarrow ({missing.name} is missing): "
        "pip install 'hotjar-client[dlt]'"
    ) from missing

from hotjar_client._client import Client
from hotjar_client.exceptions import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    HotjarError,
    PermissionDeniedError,
)

__all__ = [
    "MERGED_TABLES",
    "REPLACED_TABLES",
    "SyncReport",
    "TableCounts",
    "failed_surveys",
    "hotjar_source",
    "sync",
]

log = logging.getLogger("hotjar_client.dlt")

SOURCE_NAME = "hotjar"
MERGED_TABLES = ("survey_responses", "survey_answers")
REPLACED_TABLES = ("surveys", "survey_questions")

# The long shape's columns that describe one answer; the others describe the response.
# Question text and type are left to survey_questions.
ANSWER_COLUMNS = ("question_id", "answer", "comment", "sentiment", "tags")
QUESTION_COLUMNS = ("question_text", "question_type")

# Errors after which no other survey can succeed either: the run stops with them.
_FATAL = (AuthenticationError, PermissionDeniedError, ClientClosedError, ConfigurationError)


def hotjar_source(
    client: Client | None = None,
    survey_ids: Iterable[int | str] | None = None,
    *,
    lookback: timedelta = timedelta(hours=1),
    initial_since: datetime | date | str | None = None,
    concurrency: int = 4,
    progress: bool = False,
    answers_merge: str = "delete-insert",
) -> DltSource:
    """The Hotjar source for ``pipeline.run()``.

    ``client``: a :class:`~hotjar_client.Client` with a site id. Without one, the key is read
    from dlt's config and secrets (``sources.hotjar.client_id``, ``client_secret``,
    ``site_id`` and optionally ``base_url``, e.g. ``SOURCES__HOTJAR__CLIENT_SECRET``), then
    from the ``HOTJAR_*`` environment variables.

    ``survey_ids``: the surveys to load (default: every survey of the site, so a survey
    created since the last run is loaded whole). ``lookback``: how far behind the newest
    response of the last run each run reads again, to pick up responses completed since.
    ``initial_since``: the first run (and a new survey) loads only responses from then on.
    ``concurrency``: surveys fetched at once (under the client's rate limit).
    ``answers_merge``: ``"delete-insert"`` (a response read again replaces all its answers)
    or ``"upsert"`` (by response and position), for destinations that only upsert, such as
    Delta and Iceberg tables; there an answer removed from a response stays.

    Bad arguments raise :class:`~hotjar_client.ConfigurationError` here, before any request.
    """
    if client is not None and not isinstance(client, Client):
        raise TypeError(
            f"client must be a hotjar_client.Client, not {type(client).__name__} "
            "(an AsyncClient cannot run inside dlt's extract step)"
        )
    ids = _survey_ids(survey_ids)
    if not isinstance(lookback, timedelta) or lookback < timedelta(0):
        raise ConfigurationError(
            f"lookback must be a timedelta of 0 or more, e.g. timedelta(hours=1); got {lookback!r}."
        )
    since = _aware(initial_since, "initial_since") if initial_since is not None else None
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be an int of 1 or more, got {concurrency!r}.")
    if answers_merge not in ("delete-insert", "upsert"):
        raise ConfigurationError(
            f"answers_merge must be 'delete-insert' or 'upsert', got {answers_merge!r}."
        )
    if client is None:
        client = _client_from_config()
    if client.site_id is None:
        raise ConfigurationError(
            "No site: the client needs a site id (Client(..., site_id=...), "
            "sources.hotjar.site_id in dlt's config, or HOTJAR_SITE_ID)."
        )
    plan = _Plan(client, ids, lookback, since, concurrency, progress, answers_merge)
    return _hotjar(plan)


def failed_surveys(pipeline: dlt.Pipeline) -> dict[str, dict[str, str]]:
    """The surveys the pipeline's last run could not complete: survey id -> ``error_type``,
    ``error`` and ``at``. They keep their old state, so the next run fetches them again."""
    sources = pipeline.state.get("sources", {})
    state = sources.get(SOURCE_NAME, {})
    return dict(state.get("last_run", {}).get("failed", {}))


@dataclass
class TableCounts:
    """What one run did to one table: rows ``added``, ``updated`` (rows already there that
    were read again inside the lookback and replaced, changed or not) and ``rows`` (the
    table's size after the run). A ``replaced`` table (surveys, questions) is written whole
    on every run: its rows count as added. Where the destination cannot be counted (no SQL
    access to it), ``added``, ``updated`` and ``rows`` are None and ``loaded`` says how many
    rows the run wrote."""

    table: str
    added: int | None
    updated: int | None
    rows: int | None
    replaced: bool = False
    loaded: int = 0

    def __str__(self) -> str:
        if self.rows is None:
            return f"{self.table}: {self.loaded} rows loaded (the destination could not be counted)"
        if self.replaced:
            return f"{self.table}: {self.rows} rows (replaced)"
        return (
            f"{self.table}: {self.added} added, {self.updated} updated ({self.rows} rows in all)"
        )


@dataclass
class SyncReport:
    """The result of :func:`sync`: one :class:`TableCounts` per table, and the surveys that
    failed (see :func:`failed_surveys`)."""

    tables: list[TableCounts]
    failed: dict[str, dict[str, str]] = field(default_factory=dict)
    load_info: Any = None

    @property
    def ok(self) -> bool:
        return not self.failed


def sync(pipeline: dlt.Pipeline, source: DltSource | None = None) -> SyncReport:
    """Runs ``source`` (default: ``hotjar_source()``) in ``pipeline`` and says what changed:
    rows added and updated per table, counted in the destination before and after."""
    source = source if source is not None else hotjar_source()
    tables = REPLACED_TABLES + MERGED_TABLES
    before = _row_counts(pipeline, tables)
    info = pipeline.run(source)
    after = _row_counts(pipeline, tables)
    normalize = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    loaded = dict(normalize.row_counts) if normalize is not None else {}
    counts = []
    for table in tables:
        received = loaded.get(table, 0)
        replaced = table in REPLACED_TABLES
        if before is None or after is None:
            counts.append(TableCounts(table, None, None, None, replaced, received))
        elif replaced:
            counts.append(TableCounts(table, received, 0, after[table], True, received))
        else:
            added = max(after[table] - before[table], 0)
            updated = max(received - added, 0)
            counts.append(TableCounts(table, added, updated, after[table], False, received))
    return SyncReport(counts, failed_surveys(pipeline), info)


# --- the source ------------------------------------------------------------------------------


@dataclass
class _Plan:
    client: Client
    survey_ids: list[str] | None
    lookback: timedelta
    initial_since: datetime | None
    concurrency: int
    progress: bool
    answers_merge: str


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def _hotjar(plan: _Plan) -> Any:
    listing = dlt.resource(_list_surveys(plan), name="_survey_list", selected=False)
    fetched = dlt.transformer(
        _fetch_responses(plan), data_from=listing, name="_survey_pages", selected=False
    )
    # A response read again replaces all its answers: delete-insert by response (Delta and
    # Iceberg tables only upsert, by the primary key).
    answers_merge: dict[str, Any] = {"primary_key": ("response_id", "position")}
    if plan.answers_merge == "delete-insert":
        answers_merge["merge_key"] = "response_id"
    answers_merge["write_disposition"] = {"disposition": "merge", "strategy": plan.answers_merge}
    return (
        dlt.transformer(_surveys, data_from=listing, name="surveys", write_disposition="replace"),
        dlt.transformer(
            _questions,
            data_from=listing,
            name="survey_questions",
            write_disposition="replace",
            columns={
                "choices": {"data_type": "json"},
                "labels": {"data_type": "json"},
                "image_url": {"data_type": "text"},
            },
        ),
        dlt.transformer(
            _responses,
            data_from=fetched,
            name="survey_responses",
            write_disposition="merge",
            primary_key="response_id",
        ),
        dlt.transformer(
            _answers,
            data_from=fetched,
            name="survey_answers",
            **answers_merge,
        ),
    )


def _list_surveys(plan: _Plan) -> Any:
    def survey_list() -> Iterator[list[dict[str, Any]]]:
        surveys = list(plan.client.list_surveys(with_questions=True))
        if plan.survey_ids is not None:
            wanted = set(plan.survey_ids)
            surveys = [s for s in surveys if str(s.get("id")) in wanted]
        # One item: the transformers see the whole list at once.
        yield surveys

    return survey_list


def _surveys(surveys: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    rows = []
    for survey in surveys:
        row = {k: v for k, v in survey.items() if k != "questions"}
        for key in ("created_time", "updated_time"):
            row[key] = _timestamp(row.get(key))
        rows.append(row)
    yield rows


def _questions(surveys: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    rows = []
    for survey in surveys:
        for position, question in enumerate(survey.get("questions") or []):
            row = {"survey_id": str(survey.get("id")), "question_id": None, "position": position}
            for key, value in question.items():
                row["question_id" if key == "id" else key] = value
            rows.append(row)
    yield rows


def _fetch_responses(plan: _Plan) -> Any:
    """The transformer that fetches each survey's responses once (long shape) and hands the
    table on to the two response tables."""

    def survey_pages(surveys: list[dict[str, Any]]) -> Iterator[pa.Table]:
        state = dlt.current.source_state()
        known: dict[str, dict[str, Any]] = state.setdefault("surveys", {})
        wanted = plan.survey_ids
        if wanted is None:
            wanted = [str(s.get("id")) for s in surveys]
        failed: dict[str, dict[str, str]] = {}
        last_error: HotjarError | None = None
        for survey_id, table, error in _fetch_all(plan, wanted, known):
            if table is not None and table.num_rows:
                yield _with_survey_id(table, survey_id)
            if error is None:
                newest = _newest(table)
                previous = known.get(survey_id, {}).get("newest_created_time")
                known[survey_id] = {
                    "newest_created_time": max(filter(None, [newest, previous]), default=None),
                    "synced_at": _now(),
                }
                continue
            if isinstance(error, _FATAL):
                raise error
            last_error = error
            kept = table.num_rows if table is not None else 0
            log.error(
                "Survey %s failed (%s: %s); kept the %d rows it had fetched, and its old "
                "state: the next run fetches it again.",
                survey_id,
                type(error).__name__,
                error,
                kept,
            )
            failed[survey_id] = {
                "error_type": type(error).__name__,
                "error": str(error),
                "at": _now(),
            }
        state["last_run"] = {"finished_at": _now(), "failed": failed}
        if wanted and len(failed) == len(wanted) and last_error is not None:
            # Nothing went through: say so as the typed error rather than load nothing.
            raise last_error

    return survey_pages


def _fetch_all(
    plan: _Plan, survey_ids: Sequence[str], known: dict[str, dict[str, Any]]
) -> Iterator[tuple[str, pa.Table | None, HotjarError | None]]:
    """Each survey's responses since its own bound, ``concurrency`` surveys at once, in the
    order they complete: (survey id, table or partial table, error)."""

    def since_of(survey_id: str) -> datetime | None:
        newest = known.get(survey_id, {}).get("newest_created_time")
        if newest is None:
            return plan.initial_since
        return datetime.fromisoformat(newest) - plan.lookback

    def fetch(survey_id: str) -> pa.Table:
        since = since_of(survey_id)
        log.info("Survey %s: responses since %s", survey_id, since.isoformat() if since else "ever")
        found = plan.client.responses_table(
            survey_id, shape="long", since=since, progress=plan.progress
        )
        return pa.table(found)

    pending = list(survey_ids)
    with ThreadPoolExecutor(max_workers=plan.concurrency, thread_name_prefix="hotjar-dlt") as pool:
        running: dict[Future[pa.Table], str] = {}
        try:
            while pending or running:
                while pending and len(running) < plan.concurrency:
                    survey_id = pending.pop(0)
                    running[pool.submit(fetch, survey_id)] = survey_id
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    survey_id = running.pop(future)
                    try:
                        yield survey_id, future.result(), None
                    except HotjarError as error:
                        partial = getattr(error, "partial", None)
                        yield survey_id, pa.table(partial) if partial is not None else None, error
        finally:
            pending.clear()
            for future in running:
                future.cancel()


def _with_survey_id(table: pa.Table, survey_id: str) -> pa.Table:
    column = pa.nulls(table.num_rows, pa.string()).fill_null(survey_id)
    return table.add_column(0, pa.field("survey_id", pa.string(), nullable=False), column)


def _first_rows(table: pa.Table) -> pa.Array:
    """True on the first row of each response (a response's rows are consecutive)."""
    ids = table.column("response_id")
    later = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).fill_null(True)
    return pa.concat_arrays([pa.array([True]), *later.chunks])


def _responses(table: pa.Table) -> Iterator[pa.Table]:
    """One row per response: the first row of each."""
    rows = table.filter(_first_rows(table)).drop_columns([*ANSWER_COLUMNS, *QUESTION_COLUMNS])
    yield _not_null(rows, "response_id")


def _answers(table: pa.Table) -> Iterator[pa.Table]:
    """One row per answer, with its ``position`` in the response (a response without answers
    has one row with no question, left out)."""
    first = _first_rows(table)
    index = pc.subtract(pc.cumulative_sum(pa.nulls(table.num_rows, pa.int64()).fill_null(1)), 1)
    response = pc.subtract(pc.cumulative_sum(pc.cast(first, pa.int64())), 1)
    position = pc.subtract(index, pc.take(pc.filter(index, first), response))
    rows = table.select(["response_id", "survey_id", *ANSWER_COLUMNS]).append_column(
        pa.field("position", pa.int64(), nullable=False), position
    )
    rows = rows.filter(pc.is_valid(table.column("question_id")))
    yield _not_null(rows, "response_id")


def _not_null(table: pa.Table, column: str) -> pa.Table:
    """Marks a key column non-null in the schema, as dlt's hints say it is."""
    index = table.schema.get_field_index(column)
    schema = table.schema.set(index, table.schema.field(index).with_nullable(False))
    return table.cast(schema)


def _newest(table: pa.Table | None) -> str | None:
    if table is None or table.num_rows == 0:
        return None
    newest = pc.max(table.column("created_time")).as_py()
    return newest.isoformat() if newest is not None else None


# --- arguments ---------------------------------------------------------------------------------


def _survey_ids(survey_ids: Iterable[int | str] | None) -> list[str] | None:
    if survey_ids is None:
        return None
    if isinstance(survey_ids, (str, bytes, int)):
        raise TypeError(
            f"survey_ids must be a list of ids, e.g. [123, 456], not {type(survey_ids).__name__}"
        )
    ids: list[str] = []
    for value in survey_ids:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise TypeError(f"each survey id must be an int or a str, not {type(value).__name__}")
        text = str(value).strip()
        # Survey ids are opaque (1234567 or survey_3f2b...): refused is only what cannot be one,
        # as the client refuses it.
        if (
            not text
            or len(text) > 256
            or "/" in text
            or any(c.isspace() or not c.isprintable() for c in text)
            or (isinstance(value, int) and value <= 0)
        ):
            raise ConfigurationError(
                "A survey id is the id list_surveys() shows (e.g. 1234567 or survey_3f2b...): "
                f"not empty, no whitespace, '/' or control characters; got {value!r}."
            )
        if text not in ids:
            ids.append(text)
    return ids


def _aware(value: datetime | date | str, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"{name} {value!r} is not a date or timestamp; use e.g. 2024-06-01 or "
                "2024-06-01T00:00:00Z."
            ) from None
        if len(value.strip()) == 10:
            moment = moment.replace(tzinfo=timezone.utc)
    else:
        raise TypeError(f"{name} must be a datetime, date or str, not {type(value).__name__}")
    if moment.tzinfo is None:
        raise ConfigurationError(
            f"{name} {value!r} has no time zone: give one, e.g. "
            f"{moment.isoformat()}+00:00 for UTC."
        )
    return moment


def _client_from_config() -> Client:
    """A client from dlt's config/secrets (``sources.hotjar.*``), else the HOTJAR_* variables."""

    def setting(name: str, *, secret: bool = False) -> str | None:
        accessor = dlt.secrets if secret else dlt.config
        value: Any
        try:
            value = accessor.get(f"sources.{SOURCE_NAME}.{name}")
        except Exception:  # a broken config file: fall back to the environment
            value = None
        if value is None and not secret:
            # A secret-looking setting may sit in secrets.toml, and the other way round.
            try:
                value = dlt.secrets.get(f"sources.{SOURCE_NAME}.{name}")
            except Exception:
                value = None
        if value is None or not str(value).strip():
            value = os.environ.get(f"HOTJAR_{name.upper()}", "").strip() or None
        return None if value is None else str(value).strip()

    client_id = setting("client_id")
    client_secret = setting("client_secret", secret=True)
    if client_id is None or client_secret is None:
        missing = " and ".join(
            name
            for name, value in [("client_id", client_id), ("client_secret", client_secret)]
            if value is None
        )
        raise ConfigurationError(
            f"No Hotjar {missing}: set sources.hotjar.{missing.split(' and ')[0]} in dlt's "
            "secrets.toml (or SOURCES__HOTJAR__CLIENT_ID / SOURCES__HOTJAR__CLIENT_SECRET), or "
            "HOTJAR_CLIENT_ID / HOTJAR_CLIENT_SECRET, or pass client=Client(...)."
        )
    return Client(
        client_id,
        client_secret,
        site_id=setting("site_id"),
        base_url=setting("base_url") or "https://api.hotjar.io",
    )


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value  # kept as sent: an unexpected format is not a failure
    return value


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _row_counts(pipeline: dlt.Pipeline, tables: Sequence[str]) -> dict[str, int] | None:
    """Rows of each table in the destination (0 for a table not created yet), or None when
    the destination offers no SQL to count with."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    counts = dict.fromkeys(tables, 0)
    try:
        client = pipeline.sql_client()
        with client:
            for table in tables:
                name = client.make_qualified_table_name(table)
                try:
                    rows = client.execute_sql(f"SELECT count(*) FROM {name}")
                except DatabaseUndefinedRelation:  # not created yet
                    continue
                counts[table] = int(rows[0][0]) if rows else 0
    except Exception as failure:  # a destination without SQL, or an extension it lacks
        log.info("Could not count the rows of the destination: %s", failure)
        return None
    return counts
