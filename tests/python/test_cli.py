"""The ``hotjar-client`` command line, against the fake: output, errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import hotjar_client as hj
import pytest
from hotjar_client import cli
from hotjar_client.testing import FakeHotjar

VARIABLES = [
    "HOTJAR_CLIENT_ID",
    "HOTJAR_CLIENT_SECRET",
    "HOTJAR_SITE_ID",
    "HOTJAR_ORGANIZATION_ID",
    "HOTJAR_BASE_URL",
]


def fake_env(fake) -> dict[str, str]:
    return {
        "HOTJAR_CLIENT_ID": fake.client_id,
        "HOTJAR_CLIENT_SECRET": fake.client_secret,
        "HOTJAR_SITE_ID": fake.site_id,
        "HOTJAR_ORGANIZATION_ID": fake.organization_id,
        "HOTJAR_BASE_URL": fake.url,
    }


@pytest.fixture
def no_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def env(fake, monkeypatch, no_env):
    for name, value in fake_env(fake).items():
        monkeypatch.setenv(name, value)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv) in this process: (exit code, stdout, stderr)."""
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue(), capsys.readouterr().err


def child_env(**variables: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return {**base, "PYTHONUNBUFFERED": "1", **variables}


def restore_sigint() -> None:
    # A shell may start background jobs with SIGINT ignored; the child must see Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# --- help and usage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [[], ["check"], ["surveys"], ["export"], ["lookup"], ["delete"], ["demo"], ["fake-server"]],
)
def test_every_command_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "hotjar_client", *command, "--help"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {' '.join(['hotjar-client', *command])} ")


def test_the_top_level_help_documents_exit_codes_and_the_environment(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "HOTJAR_CLIENT_SECRET" in text
    for cls, code in cli.EXIT_CODES.items():
        assert f"  {code:<4} {cls.__name__}" in text


def test_every_error_class_has_its_own_exit_code():
    codes = list(cli.EXIT_CODES.values())
    reserved = [cli.EXIT_OK, cli.EXIT_ERROR, cli.EXIT_USAGE]
    reserved += [cli.EXIT_SOME_FAILED, cli.EXIT_INTERRUPTED]
    assert cli.EXIT_CODES[hj.ExportFileError] == cli.EXIT_FILE
    assert cli.EXIT_CODES[hj.ConfirmationRequiredError] == cli.EXIT_NOT_CONFIRMED
    assert len(set(codes + reserved)) == len(codes) + len(reserved)
    for cls, code in cli.EXIT_CODES.items():
        assert cli.exit_code(cls("x")) == code
    assert cli.exit_code(hj.HotjarError("x")) == cli.EXIT_ERROR
    assert cli.exit_code(PermissionError(13, "denied")) == cli.EXIT_FILE


def test_a_bad_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["check", "--bogus"])
    assert done.value.code == cli.EXIT_USAGE
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        cli.main([])
    assert done.value.code == cli.EXIT_USAGE


# --- check --------------------------------------------------------------------------------------


def test_check_shows_the_token_lifetime_and_the_survey_count(env, fake, capsys):
    fake.token_ttl = 120
    code, out, err = run(capsys, "check")
    assert code == 0, err
    assert out.splitlines() == [
        f"OK: {fake.url} accepted the API key.",
        "Access token valid for 120 s (2.0 min).",
        f"Site {fake.site_id}: 5 surveys.",
    ]
    assert err == ""


def test_check_takes_credentials_from_flags(fake, no_env, capsys):
    code, out, _ = run(
        capsys,
        "--client-id",
        fake.client_id,
        "--base-url",
        fake.url,
        "check",
        "--client-secret",
        fake.client_secret,
        "--site-id",
        fake.site_id,
    )
    assert code == 0
    assert f"Site {fake.site_id}: 5 surveys." in out
    assert fake.client_secret not in out


def test_flags_win_over_the_environment(env, fake, capsys):
    code, _, err = run(capsys, "check", "--site-id", "111")
    assert code == cli.EXIT_CODES[hj.NotFoundError]
    assert "Site 111 was not found" in err


def test_check_without_a_site_skips_the_count(env, fake, monkeypatch, capsys):
    monkeypatch.delenv("HOTJAR_SITE_ID")
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "surveys were not counted" in out.splitlines()[-1]


def test_missing_credentials_are_one_line_and_exit_3_before_any_request(fake, no_env, capsys):
    code, out, err = run(capsys, "check", "--base-url", fake.url, "--client-id", "abc")
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: No API client secret (--client-secret or HOTJAR_CLIENT_SECRET)")
    assert fake.request_log() == []


def test_a_refused_key_exits_4_and_never_shows_the_secret(env, fake, monkeypatch, capsys):
    monkeypatch.setenv("HOTJAR_CLIENT_SECRET", "wrong-secret-value-123")
    code, out, err = run(capsys, "-v", "check")
    assert code == 4
    assert "wrong-secret-value-123" not in out + err
    assert err.splitlines()[-1].startswith("error: Hotjar refused the API key (HTTP 401).")


@pytest.mark.parametrize(
    ("setup", "argv", "error"),
    [
        (lambda f: None, ["--site-id", "abc"], hj.ConfigurationError),
        (lambda f: setattr(f, "plan", "none"), [], hj.PermissionDeniedError),
        (
            lambda f: f.fail_next(1, status=429, retry_after=0),
            ["--max-retries", "0"],
            hj.RateLimitError,
        ),
        (lambda f: f.fail_next(1, status=503), ["--max-retries", "0"], hj.ServerError),
        (lambda f: f.fail_next(1, status=422), [], hj.BadRequestError),
        (lambda f: f.fail_next(1, status=200, body='{"results": 5}'), [], hj.InvalidResponseError),
    ],
)
def test_each_error_class_exits_with_its_code(env, fake, capsys, setup, argv, error):
    setup(fake)
    code, out, err = run(capsys, "surveys", *argv)
    assert code == cli.EXIT_CODES[error]
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("error: ")


def test_no_connection_exits_10(env, monkeypatch, capsys):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("HOTJAR_BASE_URL", f"http://127.0.0.1:{port}")
    code, _, err = run(capsys, "check", "--max-retries", "0")
    assert code == cli.EXIT_CODES[hj.TransportError]
    assert "could not connect to 127.0.0.1" in err


def test_retries_warn_on_stderr_and_quiet_hides_them(env, fake, capsys):
    fake.fail_next(2, status=429, retry_after=0)
    code, out, err = run(capsys, "surveys")
    assert code == 0
    assert len(out.splitlines()) == 6
    warnings = err.splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith(f"WARNING: Listing the surveys of site {fake.site_id} failed")
    assert "Retry 1 of 5 in 0.0 s (the server's Retry-After)." in warnings[0]

    fake.fail_next(2, status=429, retry_after=0)
    code, _, err = run(capsys, "surveys", "-q")
    assert code == 0
    assert err == ""


def test_verbose_shows_the_request_log_without_secrets(env, fake, capsys):
    code, _, err = run(capsys, "check", "--verbose")
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("DEBUG hotjar_client.transport: POST /v1/oauth/token -> 200 in ")
    assert any(f"GET /v1/sites/{fake.site_id}/surveys?limit=100" in line for line in lines)
    assert fake.client_secret not in err
    assert "fake_at_" not in err
    # The handler is gone after the run: nothing leaks into the next call.
    with fake.client() as client:
        client.list_surveys()
    assert capsys.readouterr().err == ""


# --- surveys ------------------------------------------------------------------------------------


@pytest.mark.id_styles
def test_surveys_prints_a_table(env, fake, capsys):
    code, out, _ = run(capsys, "surveys")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "type", "is_enabled", "created_time"]
    truth = fake.surveys(with_questions=False)
    assert len(lines) == 1 + len(truth)
    for line, survey in zip(lines[1:], truth, strict=True):
        assert line.startswith(f"{survey['id']}  {survey['name']}")
        assert line.endswith(survey["created_time"])
        assert ("  yes  " if survey["is_enabled"] else "  no  ") in line


def test_surveys_json_is_one_object_a_line(env, fake, capsys):
    code, out, _ = run(capsys, "surveys", "--json", "--with-questions")
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == fake.surveys(with_questions=True)


def test_surveys_needs_a_site(env, monkeypatch, capsys):
    monkeypatch.delenv("HOTJAR_SITE_ID")
    code, _, err = run(capsys, "surveys")
    assert code == 3
    assert "No site: pass --site-id or set HOTJAR_SITE_ID" in err
    code, _, err = run(capsys, "surveys", "--with-questions")
    assert code == 3


def test_surveys_of_an_empty_site(no_env, capsys):
    with FakeHotjar(responses_per_survey=[]) as empty:
        code, out, err = run(
            capsys,
            "surveys",
            "--base-url",
            empty.url,
            "--client-id",
            empty.client_id,
            "--client-secret",
            empty.client_secret,
            "--site-id",
            empty.site_id,
        )
    assert code == 0
    assert out == ""
    assert err == f"Site {empty.site_id} has no surveys.\n"


# --- demo and fake-server -----------------------------------------------------------------------


def test_demo_exports_the_bundled_fake(tmp_path, capsys):
    code, _, _ = run(capsys, "demo", "--out", str(tmp_path), "--seed", "3")
    assert code == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 10 and {p.rsplit(".", 1)[1] for p in files} == {"jsonl", "parquet"}
    with FakeHotjar(3) as fake:
        first = fake.survey_ids[0]
        lines = (tmp_path / f"{first}.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in lines] == fake.responses(first)


def test_fake_server_serves_until_ctrl_c():
    server = subprocess.Popen(
        [sys.executable, "-m", "hotjar_client", "fake-server", "--port", "0", "--seed", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        preexec_fn=restore_sigint,
    )
    try:
        variables = {}
        while len(variables) < 5:
            line = server.stdout.readline()
            assert line, server.stderr.read()
            if line.startswith("export "):
                name, value = line[len("export ") :].strip().split("=", 1)
                variables[name] = value
        checked = subprocess.run(
            [sys.executable, "-m", "hotjar_client", "check"],
            capture_output=True,
            text=True,
            env=child_env(**variables),
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr
        assert f"Site {variables['HOTJAR_SITE_ID']}: 5 surveys." in checked.stdout
        server.send_signal(signal.SIGINT)
        stdout, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0
    assert stdout.strip().endswith("stopped")


def _connections_to(url: str) -> int:
    """Established TCP connections to the fake's port (Linux), or -1 without /proc."""
    try:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return -1
    local = f":{int(url.rsplit(':', 1)[1]):04X}"
    return sum(1 for row in rows if row.split()[1].endswith(local) and row.split()[3] == "01")


def test_ctrl_c_exits_130():
    with FakeHotjar(latency=30) as fake:
        if _connections_to(fake.url) < 0:
            pytest.skip("needs /proc/net/tcp to see the request in flight")
        child = subprocess.Popen(
            [sys.executable, "-m", "hotjar_client", "check"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(**fake_env(fake)),
            preexec_fn=restore_sigint,
        )
        try:
            # The token request is in flight (the fake holds it 30 s): interrupt it.
            deadline = time.monotonic() + 30
            while _connections_to(fake.url) == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            child.send_signal(signal.SIGINT)
            stdout, stderr = child.communicate(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == cli.EXIT_INTERRUPTED
    assert stdout == ""
    assert stderr == "Interrupted.\n"


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("hotjar-client")
    if not script.exists():
        pytest.skip("the console script is only installed by a package install")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"hotjar-client {hj.__version__}"


# --- export -------------------------------------------------------------------------------------


@pytest.mark.id_styles
def test_export_one_survey_to_csv(env, fake, tmp_path, capsys):
    survey_id = fake.survey_ids[1]
    target = tmp_path / "responses.csv"
    code, out, err = run(capsys, "export", survey_id, "-o", str(target))
    assert code == 0, err
    truth = fake.responses(survey_id)
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["response_id"] for r in rows] == [r["id"] for r in truth]  # wide: one each
    assert out == (
        f"survey {survey_id}: {len(truth)} responses, {len(truth)} rows -> {target} "
        f"(csv, {target.stat().st_size:,} bytes)\n"
    )
    assert err == ""  # no progress when stderr is not a terminal
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.id_styles
def test_export_several_surveys_to_a_folder_as_parquet(env, fake, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    wanted = [fake.survey_ids[1], fake.survey_ids[4], fake.survey_ids[1]]
    folder = tmp_path / "exports"
    code, out, _ = run(capsys, "export", *wanted, "-o", f"{folder}/", "--format", "parquet")
    assert code == 0
    assert len(out.splitlines()) == 2  # the repeated id is exported once
    for survey_id in wanted:
        table = pq.read_table(folder / f"{survey_id}.parquet")
        assert table.num_rows == len(fake.responses(survey_id))
        assert table.column("response_id").to_pylist() == [
            r["id"] for r in fake.responses(survey_id)
        ]


@pytest.mark.id_styles
def test_export_long_since_with_a_survey_placeholder(env, fake, tmp_path, capsys):
    survey_id = fake.survey_ids[0]
    truth = fake.responses(survey_id)
    since = truth[200]["created_time"]
    pattern = str(tmp_path / "{survey}-long.jsonl")
    code, _, _ = run(
        capsys, "export", survey_id, "-o", pattern, "--shape", "long", "--since", since
    )
    assert code == 0
    written = Path(pattern.replace("{survey}", survey_id)).read_text().splitlines()
    rows = [json.loads(line) for line in written]
    kept = [r for r in truth if r["created_time"] >= since]
    assert {r["response_id"] for r in rows} == {r["id"] for r in kept}
    assert len(rows) == sum(len(r["answers"]) for r in kept)


def test_export_shows_progress_on_stderr_when_asked(env, fake, tmp_path, capsys):
    survey_id = fake.survey_ids[0]  # 1234 responses: a token, the survey, 13 pages
    code, _, err = run(capsys, "export", survey_id, "-o", str(tmp_path / "a.jsonl"), "--progress")
    assert code == 0
    assert err.endswith("\n")
    # Responses, as progress=True counts them (not requests), with or without tqdm.
    assert err.rsplit("\r", 1)[-1].startswith(f"survey {survey_id}: 1,234 responses, ")


def test_export_progress_needs_no_tqdm(env, fake, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    survey_id = fake.survey_ids[3]
    code, _, err = run(capsys, "export", survey_id, "-o", str(tmp_path / "a.csv"), "--progress")
    assert code == 0, err
    assert err.rsplit("\r", 1)[-1].startswith(f"survey {survey_id}: 100 responses, ")


def test_export_refuses_bad_targets_before_sending_anything(env, fake, tmp_path, capsys):
    a, b = fake.survey_ids[:2]
    code, _, err = run(capsys, "export", a, b, "-o", str(tmp_path / "one.csv"))
    assert code == 3
    assert "cannot all go to the one file" in err
    code, _, err = run(capsys, "export", a, "-o", str(tmp_path / "one.xlsx"))
    assert code == 3
    assert "Cannot tell the file format" in err
    code, _, err = run(capsys, "export", a, "-o", str(tmp_path / "missing" / "x.csv"))
    assert code == 3
    assert fake.request_log() == []


def test_export_errors_exit_with_their_code(env, fake, tmp_path, capsys):
    code, _, err = run(capsys, "export", "999", "-o", str(tmp_path / "x.csv"))
    assert code == cli.EXIT_CODES[hj.NotFoundError]
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()

    fake.fail_next(1, status=503)
    code, _, err = run(
        capsys, "export", fake.survey_ids[0], "-o", str(tmp_path / "y.csv"), "--max-retries", "0"
    )
    assert code == cli.EXIT_CODES[hj.ServerError]
    assert not (tmp_path / "y.csv").exists()


# --- lookup and delete --------------------------------------------------------------------------


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer typed in."""

    def isatty(self) -> bool:
        return True


def test_lookup_one_email(env, fake, capsys):
    code, out, err = run(capsys, "lookup", "jane.doe@example.com")
    assert code == 0, err
    assert out.startswith("lookup requested: j***@example.com (organization 445566, HTTP 200, ")
    assert "jane.doe" not in out + err
    assert [(x["action"], x["email"]) for x in fake.lookups(reveal=True)] == [
        ("lookup", "jane.doe@example.com")
    ]


def test_lookup_by_user_ids(env, fake, capsys):
    code, out, _ = run(capsys, "lookup", "--user-id", f"{fake.site_id}=cust_42")
    assert code == 0
    assert out.startswith("lookup requested: ")
    assert "cust_42" not in out
    assert fake.lookups(reveal=True)[0]["user_ids"] == {fake.site_id: "cust_42"}


def test_delete_refuses_without_yes_when_there_is_no_terminal(env, fake, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("delete\n"))
    code, out, err = run(capsys, "delete", "jane.doe@example.com")
    assert code == cli.EXIT_NOT_CONFIRMED
    assert out == ""
    assert err.startswith("error: Refusing to delete the data of j***@example.com in organization")
    assert "pass --yes" in err and "Nothing was deleted." in err
    assert fake.request_log() == []


def test_delete_asks_on_the_terminal(env, fake, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))
    code, _, err = run(capsys, "delete", "jane.doe@example.com")
    assert code == cli.EXIT_NOT_CONFIRMED
    assert "Permanently delete everything Hotjar holds on j***@example.com" in err
    assert err.rstrip().endswith("Not confirmed. Nothing was deleted.")
    assert fake.request_log() == []

    monkeypatch.setattr(sys, "stdin", Terminal("delete\n"))
    code, out, err = run(capsys, "delete", "jane.doe@example.com")
    assert code == 0, err
    assert out.startswith("deleted: j***@example.com (organization 445566, HTTP 200, ")
    assert [x["action"] for x in fake.lookups()] == ["delete"]


def test_delete_with_yes_asks_nothing(env, fake, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, _ = run(capsys, "delete", "--yes", "jane.doe@example.com")
    assert code == 0
    assert out.startswith("deleted: ")
    assert len(fake.lookups(action="delete")) == 1


def test_bulk_lookup_reports_failures_and_runs_them_again(env, fake, tmp_path, capsys):
    subjects = tmp_path / "subjects.txt"
    subjects.write_text(
        "# data subject requests\nalice@example.com\n\nnot-an-email\nbob@example.com\n"
    )
    report = tmp_path / "report.csv"
    code, out, err = run(capsys, "lookup", "--from", str(subjects), "--report", str(report))
    assert code == cli.EXIT_SOME_FAILED
    lines = out.splitlines()
    assert len(lines) == 3
    # Each line names the line of the file it came from: the masks alone look alike.
    assert lines[0].startswith(f"{subjects} line 2: lookup requested: a***@example.com")
    assert lines[1].startswith(f"{subjects} line 4: failed: n***: ConfigurationError: ")
    assert lines[2].startswith(f"{subjects} line 5: lookup requested: b***@example.com")
    assert err.splitlines()[-1] == "2 requested, 1 failed."
    assert "alice" not in out + err
    assert len(fake.lookups()) == 2

    # Feeding the report back sends only its failed row (which fails again, the same way);
    # the new report still holds the rows that went through the first time.
    code, out, err = run(capsys, "lookup", "--from", str(report))
    assert code == cli.EXIT_SOME_FAILED
    assert len(fake.lookups()) == 2
    assert [line.split(": ")[0] for line in out.splitlines()] == [
        f"{report} row {n}" for n in (1, 2, 3)
    ]
    assert err.splitlines()[-1] == "2 requested, 1 failed."


def test_bulk_delete_of_several_emails_with_yes(env, fake, capsys):
    code, out, err = run(capsys, "delete", "--yes", "a@example.com", "b@example.com")
    assert code == 0, err
    assert out.splitlines()[0].startswith("argument 1: deleted: ***@example.com")
    assert out.splitlines()[1].startswith("argument 2: deleted: ***@example.com")
    assert err.splitlines()[-1] == "2 deleted, 0 failed."
    assert len(fake.lookups(action="delete")) == 2


def test_lookup_errors_exit_with_their_code(env, fake, monkeypatch, capsys):
    fake.plan = "none"
    code, _, err = run(capsys, "lookup", "jane.doe@example.com")
    assert code == cli.EXIT_CODES[hj.PermissionDeniedError]
    assert "jane.doe" not in err
    fake.plan = "ask_scale"

    monkeypatch.delenv("HOTJAR_ORGANIZATION_ID")
    code, _, err = run(capsys, "lookup", "jane.doe@example.com")
    assert code == 3
    assert "organization" in err.lower()

    for argv in (
        ["lookup"],
        ["lookup", "--user-id", "nonsense"],
        ["lookup", "a@example.com", "b@example.com", "--user-id", "1=x"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 3, argv
        assert err.startswith("error: ")
    code, _, err = run(capsys, "lookup", "--user-id", "987654:cust_secret_42")
    assert code == 3 and "cust_secret_42" not in err, "a malformed --user-id is not echoed"
    assert fake.lookups() == []


def test_several_visitors_are_told_apart_by_their_line(env, fake, tmp_path, capsys):
    # visitor1… and visitor2… mask alike (v***@example.com): the line number tells them apart.
    people = tmp_path / "people.txt"
    people.write_text("visitor1@example.com\nvisitor2@example.com\n")
    code, out, _ = run(capsys, "lookup", "--from", str(people))
    assert code == 0
    assert [line.split(": lookup requested: ")[0] for line in out.splitlines()] == [
        f"{people} line 1",
        f"{people} line 2",
    ]
    assert all("v***@example.com" in line for line in out.splitlines())


@pytest.mark.parametrize("command", [["lookup"], ["delete", "--yes"]])
def test_one_subject_with_report_writes_the_report(env, fake, tmp_path, capsys, command):
    report = tmp_path / "del1.csv"
    code, out, err = run(capsys, *command, "visitor191@example.com", "--report", str(report))
    assert code == 0, err
    assert out.startswith(("lookup requested: v***@example.com", "deleted: v***@example.com"))
    assert f"Report written to {report}" in err
    with report.open(newline="") as source:
        rows = list(csv.DictReader(source))
    assert [(r["email"], r["status"], r["http_status"]) for r in rows] == [
        ("visitor191@example.com", "ok", "200")
    ]
    assert len(fake.lookups()) == 1


def test_one_subject_that_fails_with_a_report_keeps_its_exit_code(env, fake, tmp_path, capsys):
    fake.plan = "none"
    report = tmp_path / "lookup.csv"
    code, out, _ = run(capsys, "lookup", "jane.doe@example.com", "--report", str(report))
    assert code == cli.EXIT_CODES[hj.PermissionDeniedError]
    assert out.startswith("failed: j***@example.com: PermissionDeniedError: ")
    rows = list(csv.DictReader(report.open(newline="")))
    assert [(r["email"], r["status"]) for r in rows] == [("jane.doe@example.com", "failed")]


def test_a_report_that_cannot_be_written_is_refused_before_sending(env, fake, tmp_path, capsys):
    for target in (tmp_path / "missing" / "del1.csv", tmp_path):
        code, out, err = run(
            capsys, "delete", "--yes", "visitor191@example.com", "--report", str(target)
        )
        assert code == cli.EXIT_FILE, err
        assert out == "" and err.startswith("error: could not write")
    assert fake.request_log() == []


def test_a_report_write_that_fails_after_the_run_exits_13(
    env, fake, tmp_path, monkeypatch, capsys
):
    def disk_full(self, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(hj.LookupReport, "to_csv", disk_full)
    code, out, err = run(
        capsys, "lookup", "a@example.com", "b@example.com", "--report", str(tmp_path / "r.csv")
    )
    assert code == cli.EXIT_FILE
    assert len(out.splitlines()) == 2  # the results were shown before the write failed
    assert "No space left on device" in err


def test_a_bad_suffix_names_the_command_line_option(env, fake, tmp_path, capsys):
    code, _, err = run(capsys, "export", fake.survey_ids[0], "-o", str(tmp_path / "out.xlsx"))
    assert code == 3
    assert "--format" in err and "format=" not in err
    assert fake.request_log() == []
    code, _, err = run(
        capsys, "export", fake.survey_ids[3], "-o", str(tmp_path / "out.xlsx"), "--format", "csv"
    )
    assert code == 0, err
