"""``hotjar-client sync``: the dlt pipeline from the command line, against the fake."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from hotjar_client import cli
from hotjar_client.testing import FakeHotjar
from test_cli import VARIABLES, child_env, fake_env

pytest.importorskip("dlt")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture
def fake():
    with FakeHotjar(seed=5, responses_per_survey=[300, 0, 45]) as server:
        yield server


@pytest.fixture
def env(fake, monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in fake_env(fake).items():
        monkeypatch.setenv(name, value)


def sync(capsys, tmp_path, *argv: str) -> tuple[int, str, str]:
    out = io.StringIO()
    code = cli.main(
        [
            "sync",
            "--max-retries",
            "0",
            "--duckdb-file",
            str(tmp_path / "hotjar.duckdb"),
            "--pipelines-dir",
            str(tmp_path / "pipelines"),
            *argv,
        ],
        out=out,
    )
    return code, out.getvalue(), capsys.readouterr().err


def lines(text: str) -> dict[str, str]:
    return {line.split(":")[0]: line for line in text.splitlines() if ":" in line}


def test_sync_loads_then_adds_only_what_is_new(fake, env, capsys, tmp_path):
    code, out, err = sync(capsys, tmp_path)
    assert code == 0, err
    first = lines(out)
    assert first["survey_responses"] == "survey_responses: 345 added, 0 updated (345 rows in all)"
    assert first["surveys"] == "surveys: 3 rows (replaced)"
    assert "survey_answers" in first and "survey_questions" in first

    fake.add_responses(fake.survey_ids[0], 7)
    code, out, err = sync(capsys, tmp_path)
    assert code == 0, err
    second = lines(out)
    added, updated = second["survey_responses"].split(": ")[1].split(", ")[:2]
    assert added == "7 added"
    assert int(updated.split()[0]) >= 1  # the last hour's responses, read again
    assert "(352 rows in all)" in second["survey_responses"]

    with duckdb.connect(str(tmp_path / "hotjar.duckdb"), read_only=True) as db:
        assert db.sql("select count(*) from hotjar_data.survey_responses").fetchall() == [(352,)]


def test_sync_of_chosen_surveys_into_a_named_dataset(fake, env, capsys, tmp_path):
    survey = fake.survey_ids[2]
    code, out, _ = sync(capsys, tmp_path, survey, "--dataset", "hj", "--pipeline-name", "other")
    assert code == 0
    assert "survey_responses: 45 added" in out
    with duckdb.connect(str(tmp_path / "hotjar.duckdb"), read_only=True) as db:
        assert db.sql("select count(*) from hj.survey_responses").fetchall() == [(45,)]


def test_a_failed_survey_is_listed_and_exits_15_the_others_load(fake, env, capsys, tmp_path):
    fake.fail_survey(fake.survey_ids[0], status=500, after=2)
    code, out, _ = sync(capsys, tmp_path)
    assert code == cli.EXIT_SOME_FAILED
    assert f"failed: survey {fake.survey_ids[0]}: ServerError" in out
    assert "survey_responses: 145 added" in out  # 100 fetched before it failed, and the 45
    fake.clear_survey_failures()
    code, out, _ = sync(capsys, tmp_path)
    assert code == 0
    assert "(345 rows in all)" in lines(out)["survey_responses"]


def test_a_refused_key_exits_with_its_code(fake, env, capsys, tmp_path):
    fake.revoke_credentials()
    code, out, err = sync(capsys, tmp_path)
    assert code == cli.EXIT_CODES[cli.errors.AuthenticationError]
    assert err.startswith("error: ")
    assert out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lookback", "-5"], "--lookback"),
        (["--since", "2024-06-01T10:00:00"], "time zone"),
        (["12/a"], "survey id"),
        (["--dataset", "Hotjar"], "name of the DuckDB file"),
    ],
)
def test_bad_input_exits_3_before_any_request(fake, env, capsys, tmp_path, argv, message):
    code, _, err = sync(capsys, tmp_path, *argv)
    assert code == 3
    assert message in err
    assert fake.stats()["requests"] == 0


def test_no_credentials_exits_3(fake, monkeypatch, capsys, tmp_path):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code, _, err = sync(capsys, tmp_path)
    assert code == 3
    assert "HOTJAR_CLIENT_ID" in err


def test_the_console_script_runs_sync(fake, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hotjar_client", "sync", "--pipelines-dir", "pipelines"],
        cwd=tmp_path,
        env=child_env(**fake_env(fake)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "survey_responses: 345 added" in done.stdout
    assert (tmp_path / "hotjar.duckdb").exists()


def test_sync_has_help():
    done = subprocess.run(
        [sys.executable, "-m", "hotjar_client", "sync", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "--lookback MINUTES" in done.stdout
    assert "hotjar.duckdb" in done.stdout
