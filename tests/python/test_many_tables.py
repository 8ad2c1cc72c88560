"""AsyncClient.responses_table and responses_table_many (both clients): the same tables as the
sync responses_table, many surveys at once, a failed survey keeping its rows so far."""

from __future__ import annotations

import asyncio

import hotjar_client as hj
import pytest


@pytest.mark.id_styles
def test_the_async_table_is_the_sync_table(fake, client, survey_id):
    async def main():
        async with fake.async_client() as aclient:
            return (
                await aclient.responses_table(survey_id),
                await aclient.responses_table(survey_id, shape="long", since="2025-01-01"),
            )

    wide, long = asyncio.run(main())
    assert isinstance(wide, hj.ResponseTable)
    assert wide.to_pylist() == client.responses_table(survey_id).to_pylist()
    expected = client.responses_table(survey_id, shape="long", since="2025-01-01")
    assert long.to_pylist() == expected.to_pylist()


def test_an_async_table_that_fails_keeps_its_rows_so_far(fake, survey_id):
    fake.fail_survey(survey_id, status=400, after=3)  # the survey itself, then two pages

    async def main():
        async with fake.async_client(max_retries=0) as aclient:
            with pytest.raises(hj.BadRequestError) as caught:
                await aclient.responses_table(survey_id)
            return caught.value

    error = asyncio.run(main())
    assert isinstance(error.partial, hj.ResponseTable)
    assert len(error.partial) == 200
    assert error.resume_cursor is not None


def test_bad_shapes_are_refused_before_any_request(fake, client):
    aclient = fake.async_client()
    with pytest.raises(hj.ConfigurationError):
        aclient.responses_table(fake.survey_ids[0], shape="tall")
    with pytest.raises(hj.ConfigurationError):
        client.responses_table_many(shape="tall")
    with pytest.raises(hj.ConfigurationError, match="concurrency"):
        aclient.responses_table_many(concurrency=0)
    assert fake.request_log() == []


@pytest.mark.id_styles
def test_table_many_gives_each_surveys_table_in_order(fake, client):
    results = client.responses_table_many(concurrency=3)

    assert list(results) == fake.survey_ids and results.ok
    for survey_id, table in results.items():
        assert table.to_pylist() == client.responses_table(survey_id).to_pylist()
    assert "5 surveys, 1621 rows" in repr(results)


@pytest.mark.id_styles
def test_table_many_keeps_a_failed_surveys_rows_and_the_others(fake):
    big, small = fake.survey_ids[0], fake.survey_ids[3]
    fake.fail_survey(big, status=500, after=2)

    async def main():
        async with fake.async_client(max_retries=0) as aclient:
            return await aclient.responses_table_many([big, small], shape="long")

    results = asyncio.run(main())
    assert list(results) == [small]
    error = results.errors[big]
    assert isinstance(error, hj.ServerError)
    assert isinstance(error.partial, hj.ResponseTable) and error.partial.num_rows > 0
    fake.clear_survey_failures()
    with fake.client() as client:
        rest = client.responses_table(big, shape="long", resume_cursor=error.resume_cursor)
        whole = client.responses_table(big, shape="long")
    assert error.partial.to_pylist() + rest.to_pylist() == whole.to_pylist()
