"""The fake's knobs for data that moves on: new responses, a changed response, a new survey."""

from __future__ import annotations

import hotjar_client as hj
import pytest
from hotjar_client.testing import FakeHotjar


@pytest.fixture
def fake():
    with FakeHotjar(seed=2, responses_per_survey=[120, 0]) as server:
        yield server


def test_added_responses_come_first_and_clients_see_them(fake):
    survey = fake.survey_ids[0]
    before = fake.responses(survey)
    new_ids = fake.add_responses(int(survey), 30)
    after = fake.responses(survey)
    assert [r["id"] for r in after[:30]] == new_ids
    assert after[30:] == before
    assert after[0]["created_time"] > before[0]["created_time"]
    with fake.client() as client:
        assert client.responses(survey) == after
        assert len(client.responses(survey, since=before[0]["created_time"])) == 31


def test_a_changed_response_keeps_its_id_and_time(fake):
    survey = fake.survey_ids[0]
    before = fake.responses(survey)
    target = next(r for r in before if not r["is_complete"])
    fake.change_response(survey, target["id"])
    changed = next(r for r in fake.responses(survey) if r["id"] == target["id"])
    assert changed["created_time"] == target["created_time"]
    assert changed["is_complete"] is True
    assert changed["answers"] != target["answers"]


def test_an_added_survey_is_listed_last(fake):
    new_id = fake.add_survey(responses=5)
    assert fake.survey_ids[-1] == new_id
    with fake.client() as client:
        assert [s["id"] for s in client.list_surveys()] == fake.survey_ids
        assert len(client.responses(new_id)) == 5
    assert fake.add_survey() != new_id


def test_the_knobs_refuse_what_does_not_exist(fake):
    with pytest.raises(hj.ConfigurationError, match="no survey"):
        fake.add_responses(1, 3)
    with pytest.raises(hj.ConfigurationError, match="no response"):
        fake.change_response(fake.survey_ids[0], "1")
    with pytest.raises(hj.ConfigurationError, match="no response"):
        fake.change_response(fake.survey_ids[1], fake.responses(fake.survey_ids[0])[0]["id"])
    with pytest.raises(TypeError):
        fake.add_responses(fake.survey_ids[0], "3")
    with pytest.raises(TypeError):
        fake.add_survey(responses=True)
