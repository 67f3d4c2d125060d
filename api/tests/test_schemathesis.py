"""Schemathesis against a live server on PostgreSQL: every operation of the OpenAPI document, with
the token of each scope. No 5xx, no answer outside the document (status, content type, headers,
body schema), and no operation answers without a token (``ignored_auth``); that each operation
answers 403 to every other scope is proven one by one in ``test_api.py``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from api.constants import PERSONAL_DATA_READ, SCOPES
from api.services import api_client_create
from tests.factories import StaffUserFactory

from . import world
from .conftest import TOKEN_URL

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "ignored_auth",
    ]
)
# Examples per operation: a few for each scope alone (its own operations answer, the rest say 403),
# more and the coverage phase (boundaries, wrong types, missing fields) with every scope at once.
EXAMPLES = int(os.environ.get("API_SCHEMATHESIS_EXAMPLES", "3"))


def _token(client, secret: str) -> str:
    response = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    )
    assert response.status_code == 200
    return response.json()["access_token"]


@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_schemathesis_every_operation_with_each_scope(transactional_db, live_server, tmp_path):
    staff = StaffUserFactory()
    world.build(staff, registrations=3)
    # Each scope alone, then every scope (personal data included: the other shape of the answers).
    # Alone, a scope's runs check the doors (401 without a token, 403 or an answer by the document
    # for each operation), which one example per operation shows; the full run fuzzes.
    grants = [([scope], "fuzzing", max(1, EXAMPLES // 2)) for scope in SCOPES if scope != PERSONAL_DATA_READ]
    grants.append((list(SCOPES), "coverage,fuzzing", EXAMPLES * 3))
    st = Path(sys.executable).with_name("st")
    failures = []
    for index, (scopes, phases, examples) in enumerate(grants):
        client, secret = api_client_create(actor=staff, name=f"schemathesis {index}", scopes=scopes)
        token = _token(client, secret)
        result = subprocess.run(
            [
                str(st),
                "run",
                f"{live_server.url}/api/v1/schema/?format=json",
                "--url",
                live_server.url,
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--max-examples",
                str(examples),
                "--phases",
                phases,
                "--workers",
                "1",
                "--seed",
                str(1000 + index),
                "--request-timeout",
                "30",
                "--no-color",
                "--suppress-health-check",
                "all",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        if result.returncode != 0:
            failures.append(f"--- scopes {scopes} ---\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
