"""The ``hotjar-client`` command (also ``python -m hotjar_client``).

    hotjar-client check                      test the API key, show the token's lifetime
    hotjar-client surveys                    table of the site's surveys
    hotjar-client export 123 -o out.parquet  responses to Parquet, CSV or JSON Lines
    hotjar-client lookup jane@example.com    GDPR: Hotjar emails a data report
    hotjar-client delete jane@example.com    GDPR: erase (asks first unless --yes)
    hotjar-client sync                       new responses into DuckDB (or any dlt destination)
    hotjar-client demo                       export every survey of the bundled fake
    hotjar-client fake-server --port 8080    serve the offline fake of the API

Credentials come from ``--client-id`` / ``--client-secret`` or, better (flags show in ``ps``),
the ``HOTJAR_*`` environment variables that ``Client.from_env`` reads. They are never printed.
Results go to stdout; progress, warnings and errors to stderr. An error prints one line and
exits with the code of its class (``EXIT_CODES``); Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import errno
import functools
import json
import logging
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from hotjar_client import exceptions as errors
from hotjar_client._client import Client
from hotjar_client._display import text_table
from hotjar_client._progress import bars_from

PROG = "hotjar-client"

EXIT_OK = 0
# A HotjarError of no more specific class.
EXIT_ERROR = 1
# Bad command line (argparse's own code).
EXIT_USAGE = 2
# One code per error class, most specific first (ConfigurationError is also a ValueError).
EXIT_CODES: dict[type[BaseException], int] = {
    errors.ConfirmationRequiredError: 14,
    errors.ConfigurationError: 3,
    errors.AuthenticationError: 4,
    errors.PermissionDeniedError: 5,
    errors.NotFoundError: 6,
    errors.RateLimitError: 7,
    errors.ServerError: 8,
    errors.BadRequestError: 9,
    errors.TransportError: 10,
    errors.InvalidResponseError: 11,
    errors.ClientClosedError: 12,
    errors.ExportFileError: 13,
}
# A file could not be written (ExportFileError, or any other OSError).
EXIT_FILE = 13
# A deletion was not confirmed (ConfirmationRequiredError, or no yes on the terminal).
EXIT_NOT_CONFIRMED = 14
# A bulk lookup or deletion where some subjects failed (the others went through).
EXIT_SOME_FAILED = 15
# Ctrl-C, as shells report a SIGINT.
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """exit codes:
  0    success
  1    another Hotjar error
  2    bad command line
  3    ConfigurationError     bad input or missing credentials, nothing was sent
  4    AuthenticationError    the API key or token was refused
  5    PermissionDeniedError  the plan or the key's scope does not allow it (403)
  6    NotFoundError          wrong site, survey or organization id (404)
  7    RateLimitError         rate limit still hit after every retry (429)
  8    ServerError            Hotjar's servers kept failing (5xx)
  9    BadRequestError        the server rejected the request (other 4xx)
  10   TransportError         no connection, timeout
  11   InvalidResponseError   the server's answer broke the API's promises
  12   ClientClosedError      the client was closed
  13   ExportFileError        a file could not be written
  14   ConfirmationRequiredError  a deletion was not confirmed (no --yes and no terminal
       to ask on, or "delete" not typed); nothing was sent
  15   lookup/delete of several people, or sync: some failed (the rest went through)
  130  interrupted (Ctrl-C)
"""

ENVIRONMENT_HELP = """environment:
  HOTJAR_CLIENT_ID, HOTJAR_CLIENT_SECRET   the API key (Hotjar: Settings > API)
  HOTJAR_SITE_ID, HOTJAR_ORGANIZATION_ID   default site and organization
  HOTJAR_BASE_URL                          the API's address (default https://api.hotjar.io)
Flags win over the environment. Prefer the environment for the secret: command lines
show in the process list and in shell history.
"""


def exit_code(error: BaseException) -> int:
    """The exit code of an exception's class (see ``EXIT_CODES``)."""
    for cls, code in EXIT_CODES.items():
        if isinstance(error, cls):
            return code
    if isinstance(error, errors.HotjarError):
        return EXIT_ERROR
    if isinstance(error, OSError):
        return EXIT_FILE
    return EXIT_ERROR


# --- the command line -----------------------------------------------------------------------


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's tables as written."""


def _connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command that talks to Hotjar takes, before or after the command name.
    On a subcommand their default is SUPPRESS, so a value given before the command is kept."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("connection")
    options: list[tuple[str, type, Any, str, str]] = [
        # flag, type, default, metavar, help
        ("--client-id", str, None, "ID", "API client ID [HOTJAR_CLIENT_ID]"),
        (
            "--client-secret",
            str,
            None,
            "SECRET",
            "API client secret [HOTJAR_CLIENT_SECRET]; prefer the variable",
        ),
        ("--site-id", str, None, "ID", "site [HOTJAR_SITE_ID]"),
        ("--organization-id", str, None, "ID", "organization [HOTJAR_ORGANIZATION_ID]"),
        ("--base-url", str, None, "URL", "API address [HOTJAR_BASE_URL]"),
        ("--timeout", float, 30.0, "SECONDS", "per request (default 30)"),
        ("--max-retries", int, 5, "N", "retries of a failed request (default 5)"),
    ]
    for flag, kind, value, metavar, help_text in options:
        group.add_argument(flag, type=kind, default=default(value), metavar=metavar, help=help_text)
    _output_options(parser, top=top)


def _output_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = False if top else argparse.SUPPRESS
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="show the request log (every request, retry and token renewal) on stderr",
    )
    loudness.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="hide retry warnings"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Get survey responses and GDPR lookups out of the Hotjar REST API.",
        epilog=ENVIRONMENT_HELP + "\n" + EXIT_CODES_HELP,
        formatter_class=_Formatter,
    )
    from hotjar_client import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _connection_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, help: str, description: str, *, connects: bool = True
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=help,
            description=textwrap.fill(description, 78),
            epilog=(ENVIRONMENT_HELP + "\n" if connects else "") + EXIT_CODES_HELP,
            formatter_class=_Formatter,
        )
        if connects:
            _connection_options(sub, top=False)
        return sub

    check = command(
        "check",
        "test the connection and the API key",
        "Exchange the API key for an access token and show its lifetime; with a site, count "
        "the site's surveys too. --deep also fetches one page of each survey endpoint and "
        "lists every field, question type, id style or value type that hotjar-client does not "
        "know or expects otherwise, with a line to paste into a bug report (names and types "
        "only: never a secret, an email or an answer).",
    )
    check.add_argument(
        "--deep",
        action="store_true",
        help="compare the API's shapes with what the library expects (needs a site)",
    )
    check.set_defaults(run=run_check)

    recorder = command(
        "record",
        "record the API's pages, redacted, for FakeHotjar.from_recording",
        "Write the pages of the chosen surveys (default: every survey of the site) to a JSON "
        "Lines file, with personal data replaced by placeholders of the same shape (free-text "
        "answers, comments, emails, user ids, user attribute values, page URLs); ids, types, "
        "timestamps and structure are kept. FakeHotjar.from_recording(OUT) serves it, so "
        "tests and bug reports run against the real shapes of the account.",
    )
    recorder.add_argument("out", metavar="OUT.jsonl", help="the recording to write")
    recorder.add_argument("surveys", nargs="*", metavar="SURVEY", help="survey id(s)")
    recorder.add_argument(
        "--max-pages",
        type=int,
        default=None,
        metavar="N",
        help="record at most N pages (100 responses each) per survey",
    )
    recorder.set_defaults(run=run_record)

    surveys = command(
        "surveys",
        "list the site's surveys",
        "List every survey of the site (all pages) as a table, or as JSON Lines with --json.",
    )
    surveys.add_argument("--json", action="store_true", help="one JSON object a line")
    surveys.add_argument(
        "--with-questions", action="store_true", help="include the questions (with --json)"
    )
    surveys.set_defaults(run=run_surveys)

    export = command(
        "export",
        "export survey responses to CSV, Parquet or JSON Lines",
        "Stream every response of one or more surveys to files, page by page, in constant "
        "memory. The format comes from the file's suffix (.csv, .parquet, .jsonl) or "
        "--format. With several surveys, -o is a folder (one <survey id>.<format> file each, "
        "CSV unless --format says otherwise) or a path containing {survey}. Each file is "
        "written under a temporary name and renamed when complete; if an export fails part "
        "way, what was fetched stays in <file>.partial and the error says where to resume.",
    )
    export.add_argument("surveys", nargs="+", metavar="SURVEY", help="survey id(s)")
    export.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="file, folder, or path with {survey}",
    )
    export.add_argument("--format", choices=["csv", "parquet", "jsonl"], help="file format")
    export.add_argument(
        "--shape",
        choices=["wide", "long"],
        default="wide",
        help="wide: one row per response (default); long: one row per answer",
    )
    export.add_argument(
        "--since",
        metavar="WHEN",
        help="only responses at or after this date or time (ISO 8601, e.g. 2024-06-01)",
    )
    export.add_argument(
        "--no-csv-formula-guard",
        dest="csv_formula_guard",
        action="store_false",
        help="write CSV cells exactly as answered, even one a spreadsheet would run as a "
        "formula (by default a cell starting with =, +, -, @, tab or CR gets a ' in front, "
        "so spreadsheets show it as text)",
    )
    progress = export.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="show progress on stderr (default: when stderr is a terminal)",
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="hide it"
    )
    export.set_defaults(run=run_export)

    for name, deleting in [("lookup", False), ("delete", True)]:
        if deleting:
            summary = "delete everything Hotjar holds on people (GDPR erasure)"
            description = (
                "Ask Hotjar to delete all data it holds on one or more people, found by email "
                "or by the user ids your sites send through Hotjar's Identify API. This cannot "
                "be undone: it asks for confirmation on the terminal unless --yes is given, and "
                "refuses when there is no terminal to ask on. Needs the organization id and an "
                "Observe or Ask Scale plan."
            )
        else:
            summary = "ask Hotjar for the data it holds on people (GDPR access request)"
            description = (
                "Ask Hotjar for a report of the data it holds on one or more people, found by "
                "email or by the user ids your sites send through Hotjar's Identify API. "
                "Hotjar emails the report; nothing is deleted. Needs the organization id and "
                "an Observe or Ask Scale plan."
            )
        sub = command(name, summary, description)
        sub.add_argument("emails", nargs="*", metavar="EMAIL", help="email address(es)")
        sub.add_argument(
            "--user-id",
            action="append",
            default=[],
            metavar="SITE=ID",
            help="a user id sent through the Identify API on a site (repeatable); "
            "one subject, with the EMAIL if one is given",
        )
        sub.add_argument(
            "--from",
            dest="from_file",
            metavar="FILE",
            help="subjects from a file: one email a line, or the CSV report of an earlier "
            "run (its failed rows are run again)",
        )
        sub.add_argument(
            "--report",
            metavar="CSV",
            help="write the audit report here (holds the subjects in full: personal data)",
        )
        if deleting:
            sub.add_argument(
                "--yes", action="store_true", help="do not ask for confirmation (scripts)"
            )
        sub.set_defaults(run=run_gdpr, deleting=deleting)

    _sync_command(command("sync", *SYNC_HELP))

    # These two hand their arguments on to their own parsers (see main()).
    demo = commands.add_parser(
        "demo",
        help="export every survey of the bundled fake API (what `make demo` runs)",
        add_help=False,
    )
    demo.set_defaults(run=run_demo)
    fake = commands.add_parser(
        "fake-server", help="serve the offline fake of the Hotjar API", add_help=False
    )
    fake.set_defaults(run=run_fake_server)
    return parser


# --- the commands ---------------------------------------------------------------------------


def _setting(args: argparse.Namespace, flag: str, variable: str) -> str | None:
    value = getattr(args, flag, None)
    if value is None or not str(value).strip():
        value = os.environ.get(variable, "").strip() or None
    return value


def make_client(args: argparse.Namespace) -> Client:
    """A client from the flags, falling back to the ``HOTJAR_*`` variables."""
    client_id = _setting(args, "client_id", "HOTJAR_CLIENT_ID")
    client_secret = _setting(args, "client_secret", "HOTJAR_CLIENT_SECRET")
    missing = [
        f"{what} (--{flag} or {variable})"
        for what, flag, variable, value in [
            ("client ID", "client-id", "HOTJAR_CLIENT_ID", client_id),
            ("client secret", "client-secret", "HOTJAR_CLIENT_SECRET", client_secret),
        ]
        if value is None
    ]
    if missing:
        raise errors.ConfigurationError(
            f"No API {' and no '.join(missing)}. Create an API key in Hotjar under "
            "Settings > API, then export HOTJAR_CLIENT_ID=... HOTJAR_CLIENT_SECRET=..."
        )
    assert client_id is not None and client_secret is not None
    return Client(
        client_id,
        client_secret,
        site_id=_setting(args, "site_id", "HOTJAR_SITE_ID"),
        organization_id=_setting(args, "organization_id", "HOTJAR_ORGANIZATION_ID"),
        base_url=_setting(args, "base_url", "HOTJAR_BASE_URL") or "https://api.hotjar.io",
        timeout=args.timeout,
        max_retries=args.max_retries,
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds:.0f} s ({seconds / 3600:.1f} h)"
    if seconds >= 60:
        return f"{seconds:.0f} s ({seconds / 60:.1f} min)"
    return f"{seconds:.0f} s"


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    with make_client(args) as client:
        info = client.test_connection()
        print(f"OK: {client.base_url} accepted the API key.", file=out)
        print(f"Access token valid for {_duration(info['expires_in'])}.", file=out)
        if client.site_id is None:
            print(
                "No site given (--site-id or HOTJAR_SITE_ID), so the surveys were not counted.",
                file=out,
            )
        else:
            count = len(client.list_surveys())
            noun = "survey" if count == 1 else "surveys"
            print(f"Site {client.site_id}: {count} {noun}.", file=out)
        if args.deep:
            if client.site_id is None:
                raise errors.ConfigurationError(
                    "check --deep needs a site: pass --site-id or set HOTJAR_SITE_ID."
                )
            report = client.check_api()
            print(str(report), file=out)
            print("For a bug report, paste this line:", file=out)
            print(report.bug_report_line(), file=out)
    return EXIT_OK


def run_record(args: argparse.Namespace, out: TextIO) -> int:
    from hotjar_client.recording import record

    with make_client(args) as client:
        summary = record(client, args.out, args.surveys or None, max_pages=args.max_pages)
    print(
        f"Recorded {summary['surveys']} surveys, {summary['pages']} pages, "
        f"{summary['responses']} responses (redacted) -> {summary['path']}. Serve it with "
        f"FakeHotjar.from_recording({summary['path']!r}).",
        file=out,
    )
    return EXIT_OK


SURVEY_COLUMNS = ["id", "name", "type", "is_enabled", "created_time"]


def run_surveys(args: argparse.Namespace, out: TextIO) -> int:
    if args.with_questions and not args.json:
        raise errors.ConfigurationError(
            "--with-questions needs --json: the table has no room for the questions."
        )
    with make_client(args) as client:
        if client.site_id is None:
            raise errors.ConfigurationError(
                "No site: pass --site-id or set HOTJAR_SITE_ID (the Site ID is on the Sites & "
                "Organizations page of Hotjar's settings)."
            )
        surveys = client.list_surveys(with_questions=args.with_questions)
    if args.json:
        for survey in surveys:
            out.write(json.dumps(survey, ensure_ascii=False) + "\n")
    elif surveys:
        rows = [{**s, "is_enabled": "yes" if s.get("is_enabled") else "no"} for s in surveys]
        out.write(text_table(rows, SURVEY_COLUMNS, None, limit=None, width=60) + "\n")
    else:
        print(f"Site {client.site_id} has no surveys.", file=sys.stderr)
    return EXIT_OK


def file_stem(survey_id: str) -> str:
    """A survey id as a file name: ids are opaque, so any character that is not a letter,
    digit, ``-``, ``_`` or ``.`` becomes ``_`` (``survey_3f2b…`` and ``1234567`` stay as they
    are), and a leading ``.`` is kept from hiding the file."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", survey_id)
    return "_" + stem if stem.startswith(".") else stem


def export_paths(surveys: Sequence[str], output: str, file_format: str | None) -> dict[str, Path]:
    """Where each survey goes: the file itself, ``{survey}`` filled in, or ``<id>.<format>``
    in a folder. Refuses, before anything is sent, two surveys written to one file."""
    if "{survey}" in output:
        paths = {s: Path(output.replace("{survey}", file_stem(s))) for s in surveys}
    else:
        folder = Path(output)
        if folder.is_dir() or output.endswith(("/", os.sep)):
            folder.mkdir(parents=True, exist_ok=True)
            paths = {s: folder / f"{file_stem(s)}.{file_format or 'csv'}" for s in surveys}
        elif len(surveys) > 1:
            raise errors.ConfigurationError(
                f"{len(surveys)} surveys cannot all go to the one file {output!r}: give a folder "
                "(-o exports/) or a path with {survey} (-o 'exports/{survey}.parquet')."
            )
        else:
            return {surveys[0]: Path(output)}
    seen: dict[Path, str] = {}
    for survey, path in paths.items():
        if path in seen:
            raise errors.ConfigurationError(
                f"Surveys {seen[path]!r} and {survey!r} would both be written to {str(path)!r} "
                "(characters that cannot be in a file name become '_'); export them one by one."
            )
        seen[path] = survey
    return paths


# The suffixes the export knows (as the core reads them), for the CLI's own message.
_SUFFIX_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def _check_suffix(path: Path, file_format: str | None) -> None:
    """Refuses a file whose suffix names no format when --format is not given, in the
    command line's own words (the core's message names the Python keyword)."""
    if file_format is None and not path.is_dir() and path.suffix.lower() not in _SUFFIX_FORMATS:
        raise errors.ConfigurationError(
            f"Cannot tell the file format from {str(path)!r}: name the file .parquet, .csv or "
            ".jsonl, or pass --format parquet, --format csv or --format jsonl."
        )


class _ProgressLine:
    """One export's progress on stderr, counted as ``progress=True`` counts it: the responses
    fetched so far and the time taken, on one line rewritten in place. The export calls
    ``update`` from the waiting thread as pages arrive, and ``close`` at the end."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.responses = 0
        self.started = self.shown = time.monotonic()
        self._show()

    def _show(self, end: str = "") -> None:
        noun = "response" if self.responses == 1 else "responses"
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\r{self.label}: {self.responses:,} {noun}, {elapsed:.1f} s{end}")
        sys.stderr.flush()

    def update(self, responses: int) -> None:
        self.responses += responses
        if time.monotonic() - self.shown >= 0.1:
            self.shown = time.monotonic()
            self._show()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        """Part of the bar protocol (surveys done, for many surveys); one export has none."""

    def close(self) -> None:
        self._show("\n")


def run_export(args: argparse.Namespace, out: TextIO) -> int:
    surveys = list(dict.fromkeys(args.surveys))  # in order, without repeats
    paths = export_paths(surveys, args.output, args.format)
    for path in paths.values():
        _check_suffix(path, args.format)
    show_progress = args.progress
    if show_progress is None:
        show_progress = sys.stderr.isatty() and not args.quiet
    with make_client(args) as client:
        for survey_id, path in paths.items():
            line = functools.partial(_progress_line, f"survey {survey_id}")
            with bars_from(line):
                result = client.export_responses(
                    survey_id,
                    path,
                    format=args.format,
                    shape=args.shape,
                    since=args.since,
                    progress=show_progress,
                    csv_formula_guard=args.csv_formula_guard,
                )
            print(
                f"survey {survey_id}: {result['responses']} responses, {result['rows']} rows "
                f"-> {result['path']} ({result['format']}, {result['bytes']:,} bytes)",
                file=out,
            )
    return EXIT_OK


def _progress_line(label: str, description: str, surveys: int | None) -> _ProgressLine:
    return _ProgressLine(label)


def _user_ids(values: Sequence[str]) -> dict[str, str] | None:
    if not values:
        return None
    ids: dict[str, str] = {}
    for value in values:
        site, sep, user = value.partition("=")
        if not sep or not site.strip() or not user.strip():
            # The value may hold a user id: never echoed in full.
            shown = site.strip() if site.strip().isdigit() else "***"
            raise errors.ConfigurationError(
                f"--user-id takes SITE=ID (the site id, then the user id your site sends "
                f"through Hotjar's Identify API), got {shown}{'=***' if sep else ''}."
            )
        ids[site.strip()] = user.strip()
    return ids


def _subjects_from_file(path: str) -> tuple[Any, list[str]]:
    """The subjects of a file and where each one came from (the labels that results are
    printed with): a report CSV of an earlier run (fed back as is: its failed rows run
    again), or one email a line (blank lines and # comments skipped)."""
    from hotjar_client.gdpr import LookupReport

    if _is_csv(path):
        report = LookupReport.from_csv(path)
        return report, [f"{path} row {n}" for n in range(1, len(report) + 1)]
    subjects, labels = [], []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                subjects.append(line.strip())
                labels.append(f"{path} line {number}")
    return subjects, labels


def _check_report_target(path: str) -> None:
    """Refuses, before anything is sent, a report that could not be written: the audit
    record of a deletion must not be lost after the deletion went through."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "the report must be a file, not a folder", path)
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder (nothing was sent)", path)
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise PermissionError(errno.EACCES, "permission denied (nothing was sent)", path)


def _confirm_deletion(count: int, sample: str, organization: str | None) -> None:
    """Asks on the terminal; raises NotConfirmed without one or without a clear yes."""
    who = sample if count == 1 else f"{count} people ({sample}, …)"
    where = f" in organization {organization}" if organization else ""
    if not sys.stdin.isatty():
        raise NotConfirmed(
            f"Refusing to delete the data of {who}{where} without confirmation: pass --yes "
            "(there is no terminal to ask on). Nothing was deleted."
        )
    sys.stderr.write(
        f"Permanently delete everything Hotjar holds on {who}{where}? This cannot be "
        "undone. Type 'delete' to confirm: "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer != "delete":
        raise NotConfirmed("Not confirmed. Nothing was deleted.")


class NotConfirmed(Exception):
    """A deletion the user did not confirm (exit code 14)."""


def run_gdpr(args: argparse.Namespace, out: TextIO) -> int:
    from hotjar_client.gdpr import lock_report

    user_ids = _user_ids(args.user_id)
    if args.from_file and (args.emails or user_ids):
        raise errors.ConfigurationError("Give the subjects as arguments or with --from, not both.")
    if user_ids and len(args.emails) > 1:
        raise errors.ConfigurationError(
            "--user-id describes one person: give at most one EMAIL with it (or use --from "
            "with a report CSV for many)."
        )
    if args.report:
        _check_report_target(args.report)
    with ExitStack() as locks:
        # The report CSV read and the one written stay this run's until it ends: a second run
        # continuing the same report fails at once instead of sending its rows again.
        for path in {p for p in (args.from_file, args.report) if p and _is_csv(p)}:
            locks.enter_context(lock_report(path))
        return _run_gdpr(args, out, user_ids)


def _is_csv(path: str) -> bool:
    return path.lower().endswith(".csv")


def _run_gdpr(args: argparse.Namespace, out: TextIO, user_ids: dict[str, str] | None) -> int:
    from hotjar_client.gdpr import LookupReport

    if args.from_file:
        subjects, labels = _subjects_from_file(args.from_file)
    elif user_ids or len(args.emails) == 1:
        subjects = [{"email": args.emails[0] if args.emails else None, "user_ids": user_ids}]
        labels = ["argument 1"]
    else:
        subjects = list(args.emails)
        labels = [f"argument {n}" for n in range(1, len(subjects) + 1)]
    if not subjects:
        raise errors.ConfigurationError(
            "No one to look up: give an EMAIL, --user-id SITE=ID, or --from FILE."
        )
    pending = subjects.failed if isinstance(subjects, LookupReport) else subjects
    if not pending:
        print("Nothing to run again: every row of the report went through.", file=sys.stderr)
        if args.report:  # the audit record is written whenever it is asked for
            written = subjects.to_csv(args.report)
            print(f"Report written to {written} (it holds the subjects in full).", file=sys.stderr)
        return EXIT_OK
    one = not args.from_file and len(subjects) == 1
    with make_client(args) as client:
        organization = args.organization_id or client.organization_id
        if args.deleting and not args.yes:
            _confirm_deletion(len(pending), _masked(pending[0]), organization)
        if one and not args.report:
            # One person: a failure raises, and exits with the code of its class.
            call = client.delete_user_data if args.deleting else client.user_lookup
            options = {"confirm": True} if args.deleting else {}
            subject = subjects[0]
            result = call(email=subject["email"], user_ids=subject["user_ids"], **options)
            print(_describe(result), file=out)
            return EXIT_OK
        report = client.lookup_many(subjects, delete=args.deleting, confirm=args.deleting)
    for label, row in zip(labels, report, strict=True):
        shown = (
            _describe(row)
            if row.ok
            else f"failed: {_who(row)}: {row['error_type']}: {row['error']}"
        )
        print(shown if one else f"{label}: {shown}", file=out)
    if args.report:
        written = report.to_csv(args.report)
        print(f"Report written to {written} (it holds the subjects in full).", file=sys.stderr)
    if one:
        # One person with a report: the same exit code as without one.
        return EXIT_OK if report.all_ok else _row_exit_code(report[0])
    counts = report.counts()
    verb = "deleted" if args.deleting else "requested"
    print(f"{counts['ok']} {verb}, {counts['failed']} failed.", file=sys.stderr)
    return EXIT_OK if counts["failed"] == 0 else EXIT_SOME_FAILED


def _row_exit_code(row: Mapping[str, Any]) -> int:
    """The exit code of a failed report row's error class (named by ``error_type``)."""
    cls = getattr(errors, str(row.get("error_type")), None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return exit_code(cls())
    return EXIT_ERROR


def _who(result: Mapping[str, Any]) -> str:
    """The (masked) subject of a result or report row."""
    parts = []
    if result.get("email"):
        parts.append(str(result["email"]))
    if result.get("user_ids"):
        ids = result["user_ids"]
        parts.append(json.dumps(ids, sort_keys=True) if not isinstance(ids, str) else ids)
    return " + ".join(parts) or "?"


def _describe(result: Mapping[str, Any]) -> str:
    action = "deleted" if result.get("action") == "delete" else "lookup requested"
    return (
        f"{action}: {_who(result)} (organization {result.get('organization_id')}, "
        f"HTTP {result.get('http_status')}, {result.get('at')})"
    )


def _masked(subject: Any) -> str:
    """A subject as prompts show it: masked, like every report row."""
    from hotjar_client.gdpr import mask_subject

    if isinstance(subject, str):
        return str(mask_subject(email=subject)["email"])
    if isinstance(subject, Mapping) and "status" in subject:
        return _who(subject)  # a report row: already masked
    return _who(mask_subject(email=subject.get("email"), user_ids=subject.get("user_ids")))


SYNC_HELP = (
    "load new and changed responses into DuckDB or any dlt destination",
    "Run the dlt pipeline of hotjar_client.dlt: every survey of the site (or the SURVEYs "
    "given) into the tables surveys, survey_questions, survey_responses and survey_answers. "
    "The first run loads everything; later runs fetch only responses newer than the last "
    "run's newest minus --lookback, and merge them (updated responses replace the old rows). "
    "Default destination: the DuckDB file hotjar.duckdb in the current folder, dataset "
    "hotjar_data. Other "
    "destinations read their credentials from dlt's config (e.g. "
    "DESTINATION__POSTGRES__CREDENTIALS). Prints one line per table: rows added and rows "
    "updated (read again inside the lookback window and replaced). A survey that fails does "
    "not stop the others: it is listed, keeps its old state, and the exit code is 15.",
)


def _sync_command(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("surveys", nargs="*", metavar="SURVEY", help="survey id(s) (default: all)")
    sub.add_argument(
        "--destination",
        default="duckdb",
        metavar="NAME",
        help="a dlt destination: duckdb (default), postgres, bigquery, filesystem, ...",
    )
    sub.add_argument(
        "--duckdb-file",
        default="hotjar.duckdb",
        metavar="PATH",
        help="the DuckDB file, with --destination duckdb (default hotjar.duckdb)",
    )
    sub.add_argument(
        "--dataset",
        default="hotjar_data",
        help="dataset (schema) name (default hotjar_data: DuckDB cannot have a schema named "
        "like its file, hotjar)",
    )
    sub.add_argument(
        "--pipeline-name", default="hotjar", metavar="NAME", help="dlt pipeline (default hotjar)"
    )
    sub.add_argument(
        "--pipelines-dir",
        metavar="DIR",
        help="where dlt keeps the pipeline's working state (default ~/.dlt/pipelines)",
    )
    sub.add_argument(
        "--lookback",
        type=float,
        default=60.0,
        metavar="MINUTES",
        help="read again this far behind the last run's newest response (default 60)",
    )
    sub.add_argument(
        "--since",
        metavar="WHEN",
        help="the first run (and a new survey) loads only responses from then on",
    )
    sub.set_defaults(run=run_sync)


def run_sync(args: argparse.Namespace, out: TextIO) -> int:
    try:
        import dlt

        from hotjar_client import dlt as source
    except ImportError as missing:
        raise errors.ConfigurationError(
            f"sync needs dlt ({missing}): pip install 'hotjar-client[dlt]'"
        ) from None
    from datetime import timedelta

    if not args.lookback >= 0:
        raise errors.ConfigurationError(
            f"--lookback must be 0 or more minutes, got {args.lookback}."
        )
    destination: Any = args.destination
    if destination == "duckdb":
        database = Path(args.duckdb_file).resolve()
        if database.stem.lower() == args.dataset.lower():
            raise errors.ConfigurationError(
                f"--dataset {args.dataset!r} has the name of the DuckDB file {database.name!r}; "
                "DuckDB then cannot tell the two apart. Choose another --dataset."
            )
        destination = dlt.destinations.duckdb(str(database))
    with make_client(args) as client:
        hotjar = source.hotjar_source(
            client,
            args.surveys or None,
            lookback=timedelta(minutes=args.lookback),
            initial_since=args.since,
            progress=sys.stderr.isatty() and not args.quiet,
        )
        logged: dict[str, Any] = {"progress": "log"} if args.verbose else {}
        pipeline = dlt.pipeline(
            args.pipeline_name,
            destination=destination,
            dataset_name=args.dataset,
            pipelines_dir=args.pipelines_dir,
            **logged,
        )
        try:
            report = source.sync(pipeline, hotjar)
        except Exception as failure:
            raise _hotjar_cause(failure) from None
    for counts in report.tables:
        print(counts, file=out)
    for survey_id, failed in report.failed.items():
        print(f"failed: survey {survey_id}: {failed['error_type']}: {failed['error']}", file=out)
    where = args.duckdb_file if args.destination == "duckdb" else args.destination
    print(f"Dataset {args.dataset!r} in {where}.", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def _hotjar_cause(failure: BaseException) -> BaseException:
    """The HotjarError inside a dlt step failure (dlt wraps what a source raises), or the
    failure itself as a HotjarError."""
    seen: BaseException | None = failure
    for _ in range(20):  # dlt nests a few levels; never loop on a cycle
        if seen is None:
            break
        if isinstance(seen, errors.HotjarError):
            return seen
        inner = getattr(seen, "exception", None)
        seen = inner if isinstance(inner, BaseException) else seen.__cause__ or seen.__context__
    return errors.HotjarError(f"The pipeline failed: {_one_line(failure)}")


def run_demo(args: argparse.Namespace, out: TextIO) -> int:
    from hotjar_client import demo

    return demo.main(args.rest, prog=f"{PROG} demo")


def run_fake_server(args: argparse.Namespace, out: TextIO) -> int:
    from hotjar_client.testing import __main__ as fake

    return fake.main(args.rest, prog=f"{PROG} fake-server")


# --- running --------------------------------------------------------------------------------

# Commands that parse their own arguments.
_PASS_THROUGH = {"demo", "fake-server"}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current sys.stderr (tests swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _start_logging(verbose: bool, quiet: bool) -> Callable[[], None]:
    """Shows the library's log on stderr: requests with -v, retries by default, errors only
    with -q. Returns the undo."""
    logger = logging.getLogger("hotjar_client")
    handler = _StderrHandler()
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        level = logging.DEBUG
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        level = logging.ERROR if quiet else logging.WARNING
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    return undo


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Runs the command line and returns the exit code (``sys.exit(main())``)."""
    out = out if out is not None else sys.stdout
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command in _PASS_THROUGH:
        args.rest = rest
    elif rest:
        parser.parse_args(argv)  # exits with the usage of the command at fault
    undo_logging = _start_logging(args.verbose, args.quiet)
    try:
        code: int = args.run(args, out)
        return code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except NotConfirmed as refused:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_NOT_CONFIRMED
    except (errors.HotjarError, OSError) as error:
        if isinstance(error, BrokenPipeError):
            # `hotjar-client surveys | head`: the reader left; nothing to report.
            _silence_stdout()
            return EXIT_ERROR
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return exit_code(error)
    finally:
        undo_logging()


def _one_line(error: BaseException) -> str:
    # An ExportFileError's message says more than its OS error (what, where, what to do).
    if isinstance(error, OSError) and not isinstance(error, errors.HotjarError):
        text = _os_error(error)
    else:
        text = str(error)
    return " ".join(text.split())


def _os_error(error: OSError) -> str:
    where = f" {error.filename!r}" if error.filename else ""
    return f"could not write{where}: {error.strerror or error}"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def console_main() -> None:
    """The ``hotjar-client`` console script."""
    sys.exit(main())
