"""Parity by construction: every operation of ``Client`` exists on ``AsyncClient`` with the
same parameters (names, order, kinds, defaults, annotations), and the other way round. A
method added to one client only, or a parameter that drifts, fails here."""

from __future__ import annotations

import inspect

import hotjar_client as hj
import pytest

# Sync name -> async name, where they differ by design.
RENAMED = {"iter_responses": "aiter_responses", "__enter__": "__aenter__", "__exit__": "__aexit__"}
# Only on the async client: the awaitable twin of close().
ASYNC_ONLY = {"aclose"}
# Long calls: each takes progress= on both clients.
LONG_CALLS = {
    "responses",
    "responses_many",
    "responses_table",
    "responses_table_many",
    "export_responses",
}


def public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")} | {
        n for n in ("__enter__", "__exit__", "__aenter__", "__aexit__") if hasattr(cls, n)
    }


def test_every_operation_is_on_both_clients():
    sync = public(hj.Client)
    asynchronous = public(hj.AsyncClient)
    assert {RENAMED.get(n, n) for n in sync} == asynchronous - ASYNC_ONLY


@pytest.mark.parametrize("name", sorted(public(hj.Client)))
def test_both_clients_take_the_same_parameters(name):
    sync = getattr(hj.Client, name)
    twin = getattr(hj.AsyncClient, RENAMED.get(name, name))
    if isinstance(inspect.getattr_static(hj.Client, name), property):
        assert isinstance(inspect.getattr_static(hj.AsyncClient, name), property)
        return
    assert inspect.signature(twin).parameters == inspect.signature(sync).parameters, name


@pytest.mark.parametrize("name", sorted(LONG_CALLS))
def test_every_long_call_takes_progress(name):
    for cls in (hj.Client, hj.AsyncClient):
        progress = inspect.signature(getattr(cls, name)).parameters["progress"]
        assert progress.kind is inspect.Parameter.KEYWORD_ONLY and progress.default is False


def test_every_operation_is_documented_once_and_pointed_to():
    for name in public(hj.Client) - {"__enter__", "__exit__"}:
        assert (getattr(hj.Client, name).__doc__ or "").strip(), name
        assert (getattr(hj.AsyncClient, RENAMED.get(name, name)).__doc__ or "").strip(), name


def test_the_constructors_match():
    assert inspect.signature(hj.AsyncClient) == inspect.signature(hj.Client)
    assert inspect.signature(hj.AsyncClient.from_env).parameters == (
        inspect.signature(hj.Client.from_env).parameters
    )
