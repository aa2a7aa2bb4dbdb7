"""A bounded schemathesis run over every API operation (issue 11, "the schema tells the
truth"): generated requests, valid and invalid, against the WSGI app with a researcher's
token and a real study; 0 server errors and 0 responses outside the documented schema
(status, content type, body). Fixed seed, a few cases per operation (SCHEMA_FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lima_eval.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "6"))
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def token(api) -> Iterator[str]:
    """The researcher's Authorization header, with a study `s` holding outputs. The WSGI app's
    end-of-request connection closing is held off (as Django's test client does), so the
    requests share the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from tests.comparisons.helpers import create_study, rows_for, upload

    create_study(api, slug="s")
    assert upload(api, "s", rows_for(3, ["LIMA", "GPT-4", "Bard"])).status_code == 201
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield api._credentials["HTTP_AUTHORIZATION"]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_500(case, token):
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = "s"
    case.call_and_validate(
        base_url="http://testserver", app=application, headers={"Authorization": token}, checks=CHECKS
    )
