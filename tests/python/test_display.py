"""Results show as tables in notebooks and stay plain containers; reprs hide secrets."""

from __future__ import annotations

import asyncio
import pickle

import hotjar_client as hj
from hotjar_client._display import MAX_ROWS, SurveyList, html_table


def test_list_surveys_is_a_list_that_shows_as_a_table(fake, client):
    surveys = client.list_surveys()

    assert isinstance(surveys, list)
    assert isinstance(surveys, hj.SurveyList)
    assert surveys == fake.surveys(with_questions=False)
    assert [s["id"] for s in surveys] == fake.survey_ids
    # Still a list for code that slices, sorts, pickles or serialises it.
    assert type(surveys[:2]) is list
    assert pickle.loads(pickle.dumps(surveys)) == surveys

    text = repr(surveys).splitlines()
    assert text[0] == "5 surveys"
    assert text[1].split() == [
        "id",
        "name",
        "type",
        "is_enabled",
        "created_time",
        "updated_time",
        "sentiment_analysis_enabled",
    ]
    assert text[2].startswith(f"{surveys[0]['id']}  {surveys[0]['name']}")
    assert len(text) == 2 + len(surveys)

    page = surveys._repr_html_()
    assert page.count("<tr>") == 1 + len(surveys)
    assert "<th>name</th>" in page
    assert "responses_url" not in page  # links to the API are left out of the table
    assert f"<td>{surveys[1]['name']}</td>" in page


def test_questions_are_summarised_not_dumped(client):
    surveys = client.list_surveys(with_questions=True)
    count = len(surveys[0]["questions"])
    assert f"[{count} items]" in repr(surveys)
    assert f"<td>[{count} items]</td>" in surveys._repr_html_()


def test_long_lists_are_cut_and_values_escaped():
    rows = SurveyList({"id": str(i), "name": "<b>&</b>"} for i in range(MAX_ROWS + 5))
    page = rows._repr_html_()
    assert "<b>&" not in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert page.count("<tr>") == 1 + MAX_ROWS
    assert "… 5 more" in page
    assert repr(rows).splitlines()[-1] == "… 5 more"
    assert repr(SurveyList()) == "0 surveys"
    assert html_table([], [], "nothing").startswith("<div>")


def test_the_client_repr_shows_site_url_and_a_masked_id_never_the_secret(fake):
    secret = "s3cr3t-value-that-must-not-show"
    client = hj.Client(
        "abcdef123456", secret, site_id=42, organization_id=7, base_url=fake.url
    )
    text = repr(client)
    assert text == (
        f"<hotjar_client.Client site_id='42' organization_id='7' base_url='{fake.url}' "
        "client_id='abcd…'>"
    )
    assert secret not in text and secret not in str(client)
    client.close()
    assert repr(client).endswith(" closed>")
    # A short id is hidden entirely.
    assert "client_id='***'" in repr(hj.Client("short", secret, base_url=fake.url))


def test_the_async_client_lists_surveys_as_a_survey_list_too(fake):
    async def main():
        async with hj.AsyncClient(
            fake.client_id, fake.client_secret, site_id=fake.site_id, base_url=fake.url
        ) as client:
            return await client.list_surveys()

    surveys = asyncio.run(main())
    assert isinstance(surveys, hj.SurveyList)
    assert surveys == fake.surveys(with_questions=False)
    assert surveys._repr_html_().count("<tr>") == 1 + len(surveys)
