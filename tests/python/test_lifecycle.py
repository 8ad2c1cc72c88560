"""Objects over their lifetime: closing, forking, argument types, and stubs that match."""

from __future__ import annotations

import ast
import inspect
import os
import sys
from pathlib import Path

import hotjar_client as hj
import pytest
from hotjar_client import _native
from hotjar_client.testing import FakeHotjar


def test_an_iterator_refuses_to_fetch_after_its_client_is_closed(fake, client, survey_id):
    rows = client.iter_responses(survey_id)
    first = next(rows)
    client.close()
    # The page already fetched is still handed out: nothing fetched is lost...
    buffered = [first] + [next(rows) for _ in range(99)]
    assert buffered == fake.responses(survey_id)[:100]
    # ...but no new request goes out.
    sent = len(fake.request_log())
    with pytest.raises(hj.ClientClosedError):
        next(rows)
    assert len(fake.request_log()) == sent


@pytest.mark.parametrize("option", ["max_retries", "requests_per_minute"])
def test_bools_are_not_counts(option):
    with pytest.raises(TypeError, match=option):
        hj.Client("id", "secret", **{option: True})


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_client_made_before_fork_refuses_in_the_child_and_a_new_one_works(fake, client):
    survey_id = fake.survey_ids[4]
    assert len(client.responses(survey_id)) == 37
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            try:
                client.responses(survey_id)
                message = "no error"
            except hj.HotjarError as error:
                message = str(error)
            with FakeHotjar(responses_per_survey=[3]) as child_fake, child_fake.client() as fresh:
                count = len(fresh.responses(child_fake.survey_ids[0]))
            os.write(write, f"{count}|{message}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    count, message = report.split("|", 1)
    assert count == "3"
    assert "before the process forked" in message
    assert "'spawn'" in message
    # The parent is unaffected.
    assert len(client.responses(survey_id)) == 37


def _stub_classes() -> dict[str, set[str]]:
    """The public members each class of ``_native.pyi`` declares."""
    stub = Path(_native.__file__).with_name("_native.pyi").read_text()
    classes = {}
    for node in ast.parse(stub).body:
        if isinstance(node, ast.ClassDef):
            names = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
            classes[node.name] = {n for n in names if not n.startswith("_") or n == "__init__"}
    return classes


def _stub_functions() -> set[str]:
    """The public module-level functions ``_native.pyi`` declares."""
    stub = Path(_native.__file__).with_name("_native.pyi").read_text()
    return {
        node.name
        for node in ast.parse(stub).body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }


def test_the_stubs_declare_exactly_what_the_native_module_has():
    classes = _stub_classes()
    runtime_names = {n for n in dir(_native) if not n.startswith("_")}
    assert set(classes) | _stub_functions() == runtime_names
    for name, declared in classes.items():
        cls = getattr(_native, name)
        if issubclass(cls, BaseException):
            continue
        actual = {n for n in vars(cls) if not n.startswith("_")}
        assert declared - {"__init__"} == actual, name


def _unannotated(signature: inspect.Signature) -> inspect.Signature:
    """The signature as the native class showed it, before it became a Python class whose
    parameters carry type annotations."""
    return signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty,
    )


def test_the_stub_signatures_match_the_runtime_ones():
    assert str(_unannotated(inspect.signature(hj.Client))) == (
        "(client_id, client_secret, *, site_id=None, organization_id=None, "
        "base_url='https://api.hotjar.io', timeout=30.0, max_retries=5, "
        "requests_per_minute=3000, retry_backoff=1.0)"
    )
    for method in ["list_surveys", "get_survey", "iter_responses", "responses"]:
        params = list(inspect.signature(getattr(hj.Client, method)).parameters)
        assert params[0] == "self"


def test_errors_print_as_one_clear_line_in_a_traceback(fake):
    with fake.client() as client, pytest.raises(hj.NotFoundError) as caught:
        client.get_survey(42)
    assert type(caught.value).__module__ == "hotjar_client"
    assert "\n" not in str(caught.value)
    assert sys.modules["hotjar_client"].NotFoundError is hj.exceptions.NotFoundError
