"""A client without personal-data:read never receives a name, e-mail address, IP address or user
agent: every read operation of the OpenAPI document, every page of its results (one row a page)."""

import pytest

from api.constants import PERSONAL_DATA_READ, SCOPES

from . import world
from .test_api import fill, schema_operations

pytestmark = pytest.mark.django_db


def _every_page(machine, url: str) -> list[bytes]:
    """The answer at ``url``; for a list, every page of it at one row a page."""
    first = machine.get(url)
    assert first.status_code == 200, (url, first.content)
    bodies = [first.content]
    next_url = f"{url}?page_size=1" if "links" in first.json() else None
    while next_url:
        response = machine.get(next_url)
        assert response.status_code == 200, (next_url, response.content)
        bodies.append(response.content)
        next_url = response.json()["links"]["next"]
    return bodies


def _read_everything(machine, w) -> list[bytes]:
    bodies = []
    for path, method, _scope in schema_operations():
        if method != "GET":
            continue
        url = fill(path, w)
        bodies += _every_page(machine, url)
        # The same in English.
        bodies.append(machine.get(url, HTTP_ACCEPT_LANGUAGE="en").content)
    return bodies


def test_no_personal_data_without_the_scope(machine, staff_actor):
    w = world.build(staff_actor, registrations=3)
    everything_else = machine(*[s for s in SCOPES if s != PERSONAL_DATA_READ])
    bodies = _read_everything(everything_else, w)
    assert len(bodies) > 20
    for body in bodies:
        text = body.decode()
        for marker in world.MARKERS:
            assert marker not in text, (marker, text[:300])
        assert "@" not in text  # no e-mail address at all, whoever's


def test_the_same_walk_finds_the_personal_data_with_the_scope(machine, staff_actor):
    """The control: the markers are there to be found, so the test above can fail."""
    w = world.build(staff_actor, registrations=3)
    everything = machine(*SCOPES)
    text = "".join(b.decode() for b in _read_everything(everything, w))
    for marker in (world.NAME, world.EMAIL, world.IP, world.AGENT, world.ORGANISATION_NAME):
        assert marker in text, marker
