"""API test helpers: machine clients made by the staff service, tokens from the real token endpoint."""

import pytest
from django.test import Client

from api.constants import SCOPES
from api.services import api_client_create
from tests.factories import StaffUserFactory

TOKEN_URL = "/api/v1/oauth/token/"


class Machine:
    """One API client with a token: ``machine.get(path)`` sends it as a bearer token, no cookies."""

    def __init__(self, client, secret: str):
        self.client = client
        self.secret = secret
        self.http = Client()
        response = self.http.post(
            TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
        )
        assert response.status_code == 200, response.content
        self.token_response = response.json()
        self.token = self.token_response["access_token"]

    def headers(self, **extra) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, path: str, **extra):
        return self.http.get(path, **self.headers(**extra))

    def post(self, path: str, data: dict, **extra):
        return self.http.post(path, data, content_type="application/json", **self.headers(**extra))


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    """Tests make many clients and tokens from one address; the limits' own tests lower them."""
    settings.API_RATE_LIMIT = "10000/min"
    settings.API_TOKEN_RATE_LIMIT = "1000/min"


@pytest.fixture
def staff_actor(db):
    return StaffUserFactory()


@pytest.fixture
def machine(db, staff_actor):
    """``machine(*scopes)``: a client with these scopes (all if none given) and a token."""

    def make(*scopes, name="CRM van RVO"):
        client, secret = api_client_create(actor=staff_actor, name=name, scopes=list(scopes or SCOPES))
        return Machine(client, secret)

    return make
