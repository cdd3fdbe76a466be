"""The API against its own OpenAPI description, from the outside (issue 6).

schemathesis reads ``/api/schema`` from a live server and sends generated
requests — valid and invalid ones — to every operation: anonymously, signed
in, and signed in as staff. Every response must be documented (status,
content type, headers, body) and none may be a 5xx. Findings are fixed in the
code or in the description, never here.

Examples per operation: ``CONTRACT_EXAMPLES`` (default 40). The examples are
derandomized so CI is repeatable; set ``CONTRACT_RANDOM=1`` to explore.
"""

import json
import os
import secrets

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
HYPOTHESIS = settings(
    max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "40")),
    derandomize=not os.environ.get("CONTRACT_RANDOM"),
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def openapi_document() -> dict:
    """The description as ``GET /api/schema`` serves it (checked by a test below)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


# Fixed per run so the cookie can be part of each schema's configuration:
# schemathesis then never generates (or negates) the cookie itself.
TOKENS = {"user": secrets.token_urlsafe(32), "staff": secrets.token_urlsafe(32)}


def schema_for(role=None):
    """Built at collection (no database needed) so each operation is its own test."""
    parameters = {f"cookie.{django_settings.AUTH_COOKIE_NAME}": TOKENS[role]} if role else {}
    config = schemathesis.Config.from_dict({"parameters": parameters})
    return schemathesis.openapi.from_dict(openapi_document(), config=config)


anonymous, signed_in, staff = schema_for(), schema_for("user"), schema_for("staff")


def sign_in(user, role):
    from accounts.models import LoginSession
    from accounts.services import create_session
    from accounts.tokens import hash_session_token

    session, _ = create_session(user=user)
    LoginSession.objects.filter(pk=session.pk).update(token_hash=hash_session_token(TOKENS[role]))


@pytest.fixture
def user_session(make_user):
    sign_in(make_user(), "user")


@pytest.fixture
def staff_session(make_user):
    sign_in(make_user(is_staff=True), "staff")


@pytest.mark.django_db
def test_the_tested_description_is_the_served_one(api_client):
    assert api_client.get("/api/schema").json() == openapi_document()


@anonymous.parametrize()
@HYPOTHESIS
def test_anonymous_requests_conform(case, live_server):
    case.call_and_validate(base_url=live_server.url, checks=CHECKS)


def session_accepted(ctx: CheckContext, response, case) -> None:
    """Signed-in runs must really be signed in (else every 401 would pass)."""
    assert response.status_code != 401, "the session cookie was not accepted"


@signed_in.parametrize()
@HYPOTHESIS
def test_signed_in_requests_conform(case, live_server, user_session):
    case.call_and_validate(base_url=live_server.url, checks=[*CHECKS, session_accepted])


@staff.parametrize()
@HYPOTHESIS
def test_staff_requests_conform(case, live_server, staff_session):
    case.call_and_validate(base_url=live_server.url, checks=[*CHECKS, session_accepted])
