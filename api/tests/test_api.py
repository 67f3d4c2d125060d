"""The API's contract: tokens, scopes per operation, problems, pages, writes through the staff services."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from oauth2_provider.models import AccessToken

from api.constants import ATTENDANCE_WRITE, REGISTRATIONS_READ, REGISTRATIONS_WRITE, SCOPES
from api.models import ApiClient
from api.services import api_client_create, api_client_revoke, api_client_rotate
from audit.models import AuditEvent
from missions.constants import RegistrationStatus
from missions.models import Attendance
from organisations.policies import NotAllowed
from staff.services import attendance_record
from tests.mfa import login_staff

from . import world
from .conftest import TOKEN_URL, Machine

pytestmark = pytest.mark.django_db


def schema_operations() -> list[tuple[str, str, str]]:
    """(path template, method, scope) of every operation in the OpenAPI document."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            (requirement,) = operation["security"]
            found.append((path, method.upper(), requirement["clientCredentials"][0]))
    return found


def fill(path: str, w: dict) -> str:
    values = {
        "slug": w["mission"].slug,
        "pk": w["registrations"][0].pk,
        "id": w["registrations"][0].pk,
        "sequence": w["registrations"][0].current_declaration.sequence,
        "number": w["release"].number,
    }
    if "/sessions/" in path:
        values["pk"] = values["id"] = w["session"].pk
    if "/instruments/" in path:
        values["slug"] = w["instrument"].slug
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


# --- tokens ------------------------------------------------------------------------------------------------


def test_token_is_short_lived_and_carries_the_client_scopes(machine, settings):
    m = machine(REGISTRATIONS_READ, ATTENDANCE_WRITE)
    assert m.token_response["token_type"] == "Bearer"
    assert 0 < m.token_response["expires_in"] <= settings.API_TOKEN_SECONDS <= 600
    assert set(m.token_response["scope"].split()) == {REGISTRATIONS_READ, ATTENDANCE_WRITE}
    assert "refresh_token" not in m.token_response
    # Stored only as a hash: the database does not hold a usable token.
    assert not AccessToken.objects.filter(token=m.token).exists()


def test_token_refused_for_a_wrong_secret_a_scope_not_given_or_a_secret_in_the_url(machine):
    m = machine(REGISTRATIONS_READ)
    http = Client()
    data = {"grant_type": "client_credentials", "client_id": m.client.client_id}
    assert http.post(TOKEN_URL, {**data, "client_secret": "wrong"}).status_code == 401
    asked = http.post(TOKEN_URL, {**data, "client_secret": m.secret, "scope": "personal-data:read"})
    assert asked.status_code == 400
    in_url = http.post(f"{TOKEN_URL}?client_secret={m.secret}", {**data, "client_secret": m.secret})
    assert in_url.status_code == 400
    assert in_url["Content-Type"] == "application/problem+json"


def test_token_door_is_rate_limited_per_client_id(machine, settings):
    settings.API_TOKEN_RATE_LIMIT = "3/min"
    m = machine(REGISTRATIONS_READ)  # one attempt
    data = {"grant_type": "client_credentials", "client_id": m.client.client_id, "client_secret": "wrong"}
    codes = [Client().post(TOKEN_URL, data).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    # Even the right secret waits now: guessing is not cheaper than knowing.
    right = Client().post(TOKEN_URL, {**data, "client_secret": m.secret})
    assert right.status_code == 429 and right["Retry-After"] == "60"
    other = machine(REGISTRATIONS_READ, name="ander")  # another client id from the same address
    assert other.token


def test_expired_revoked_or_rotated_tokens_stop_working(machine, staff_actor):
    m = machine(REGISTRATIONS_READ)
    assert m.get("/api/v1/registrations/").status_code == 200
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert m.get("/api/v1/registrations/").status_code == 401

    m = machine(REGISTRATIONS_READ, name="ander")
    api_client_rotate(actor=staff_actor, client=m.client)
    assert m.get("/api/v1/registrations/").status_code == 401

    m = machine(REGISTRATIONS_READ, name="derde")
    api_client_revoke(actor=staff_actor, client=m.client)
    assert m.get("/api/v1/registrations/").status_code == 401
    again = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": m.client.client_id, "client_secret": m.secret}
    )
    assert again.status_code == 401
    m.client.refresh_from_db()
    assert not m.client.service_user.is_active


# --- authentication, scopes and problems -------------------------------------------------------------------


def test_no_session_authentication_on_the_api(client, staff_actor):
    login_staff(client, staff_actor)
    response = client.get("/api/v1/registrations/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["API-Version"] == "1.0.0"
    assert "no-store" in response["Cache-Control"]


def test_every_operation_needs_exactly_its_scope(machine, staff_actor):
    """Walk the OpenAPI document: each operation answers 403 to a token with every other scope
    (but its own) and something other than 401/403 to a token with its scope."""
    w = world.build(staff_actor, registrations=1)
    operations = schema_operations()
    assert {scope for _, _, scope in operations} == set(SCOPES) - {"personal-data:read"}
    for path, method, scope in operations:
        url = fill(path, w)
        others = machine(*[s for s in SCOPES if s != scope], name=f"zonder {scope}")
        own = machine(scope, name=f"met {scope}")
        send = (lambda m, u=url: m.get(u)) if method == "GET" else (lambda m, u=url: m.post(u, {}))
        refused = send(others)
        assert refused.status_code == 403, (method, url)
        assert refused.json()["status"] == 403
        assert send(own).status_code not in (401, 403), (method, url)
        assert Client().generic(method, url).status_code == 401


def test_problem_titles_follow_accept_language(machine):
    m = machine(REGISTRATIONS_READ)
    dutch = m.get("/api/v1/missions/")
    english = m.get("/api/v1/missions/", HTTP_ACCEPT_LANGUAGE="en")
    assert dutch.status_code == english.status_code == 403
    assert dutch["Content-Type"] == "application/problem+json"
    assert dutch.json()["title"] == "Geen toegang"
    assert english.json()["title"] == "No access"
    assert english.json()["instance"] == "/api/v1/missions/"


def test_invalid_parameters_are_named(machine):
    m = machine(REGISTRATIONS_READ)
    response = m.get("/api/v1/registrations/?status=nonsense&sort=colour&page_size=0")
    assert response.status_code == 400
    names = {p["name"] for p in response.json()["invalid_params"]}
    assert "status" in names or "sort" in names or "page_size" in names
    assert m.get("/api/v1/registrations/?cursor=bz1hYmM=").status_code == 400


def test_rate_limit_is_per_client(machine, settings):
    first, second = machine(REGISTRATIONS_READ, name="een"), machine(REGISTRATIONS_READ, name="twee")
    settings.API_RATE_LIMIT = "2/min"
    codes = [first.get("/api/v1/registrations/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = first.get("/api/v1/registrations/")
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["status"] == 429
    assert second.get("/api/v1/registrations/").status_code == 200


def test_unknown_address_is_a_problem_with_the_version_header():
    response = Client().get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["API-Version"] == "1.0.0"


def test_schema_and_documentation_are_served():
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1.0.0"
    assert "clientCredentials" in document["components"]["securitySchemes"]
    docs = Client().get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()


# --- pages ---------------------------------------------------------------------------------------------------


def test_pages_link_first_next_prev_last_and_cover_every_row_once(machine, staff_actor):
    w = world.build(staff_actor, registrations=7)
    m = machine(REGISTRATIONS_READ)
    seen, url = [], "/api/v1/registrations/?page_size=3"
    pages = 0
    while url:
        body = m.get(url).json()
        seen += [r["id"] for r in body["results"]]
        assert set(body["links"]) == {"self", "first", "prev", "next", "last"}
        url = body["links"]["next"]
        pages += 1
    assert pages == 3
    assert seen == sorted(r.pk for r in w["registrations"])
    first = m.get("/api/v1/registrations/?page_size=3").json()
    last = m.get(first["links"]["last"]).json()
    assert [r["id"] for r in last["results"]] == seen[-3:]
    descending = m.get("/api/v1/registrations/?page_size=3&sort=-id").json()
    assert [r["id"] for r in descending["results"]] == seen[::-1][:3]
    filtered = m.get(f"/api/v1/registrations/?status=held_for_review&mission={w['mission'].slug}").json()
    assert [r["id"] for r in filtered["results"]] == [w["held"].pk]


@pytest.mark.parametrize(
    "path,scope",
    [
        ("/api/v1/registrations/", "registrations:read"),
        ("/api/v1/declarations/", "declarations:read"),
        ("/api/v1/missions/", "missions:read"),
        ("/api/v1/sessions/", "missions:read"),
        ("/api/v1/instruments/", "instruments:read"),
        ("/api/v1/figures/releases/", "figures:read"),
    ],
)
def test_query_count_of_a_page_is_bounded(machine, staff_actor, django_assert_max_num_queries, path, scope):
    world.build(staff_actor, registrations=12)
    m = machine(scope, "personal-data:read")
    with django_assert_max_num_queries(9):
        response = m.get(f"{path}?page_size=100")
    assert response.status_code == 200


# --- writes --------------------------------------------------------------------------------------------------


def test_decision_goes_through_the_staff_service_and_names_the_client(machine, staff_actor):
    w = world.build(staff_actor, registrations=1)
    m = machine(REGISTRATIONS_WRITE, REGISTRATIONS_READ)
    response = m.post(f"/api/v1/registrations/{w['held'].pk}/decisions/", {"decision": "confirm"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == RegistrationStatus.CONFIRMED
    history = response.json()["status_history"]
    assert [(e["event"], e["by"], e["client_id"]) for e in history] == [
        ("submit", "organisation", None),
        ("hold", "portal", None),
        ("confirm", "api_client", m.client.client_id),
    ]
    assert history[-1]["status"] == "confirmed"
    service_event = AuditEvent.objects.get(action="registration.confirm", object_id=str(w["held"].pk))
    assert service_event.actor == m.client.service_user
    api_event = AuditEvent.objects.get(action="api.registration.confirm")
    assert api_event.details["client_id"] == m.client.client_id
    assert api_event.details["client"] == "CRM van RVO"
    # The lifecycle still rules: confirming twice is a conflict, and nothing more is recorded.
    again = m.post(f"/api/v1/registrations/{w['held'].pk}/decisions/", {"decision": "confirm"})
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="api.registration.confirm").count() == 1


def test_status_history_says_who_acted_without_naming_anyone(machine, staff_actor):
    w = world.build(staff_actor, registrations=2)
    m = machine(REGISTRATIONS_READ)
    response = m.get(f"/api/v1/registrations/{w['registrations'][1].pk}/")
    assert response.status_code == 200
    history = response.json()["status_history"]
    assert [(e["event"], e["status"], e["by"]) for e in history] == [
        ("submit", None, "organisation"),
        ("confirm", "confirmed", "rvo_staff"),
    ]
    assert all(e["client_id"] is None for e in history)
    # A person whose account was deleted since: their pseudonymous label stays, the account does not.
    AuditEvent.objects.create(
        action="registration.withdraw",
        object_type="missions.registration",
        object_id=str(w["registrations"][1].pk),
        actor=None,
        actor_label="user#999999",
    )
    response = m.get(f"/api/v1/registrations/{w['registrations'][1].pk}/")
    assert response.json()["status_history"][-1]["by"] == "deleted_account"
    body = response.content.decode()
    assert staff_actor.email not in body and staff_actor.full_name not in body and world.NAME not in body


def test_rejection_needs_a_reason(machine, staff_actor):
    w = world.build(staff_actor, registrations=1)
    m = machine(REGISTRATIONS_WRITE)
    assert m.post(f"/api/v1/registrations/{w['held'].pk}/decisions/", {"decision": "reject"}).status_code == 409
    assert m.post(f"/api/v1/registrations/{w['held'].pk}/decisions/", {"decision": "maybe"}).status_code == 400
    done = m.post(f"/api/v1/registrations/{w['held'].pk}/decisions/", {"decision": "reject", "reason": "Vol."})
    assert done.status_code == 200


def test_attendance_is_recorded_through_the_staff_service(machine, staff_actor):
    w = world.build(staff_actor, registrations=2)
    m = machine(ATTENDANCE_WRITE)
    participant = w["registrations"][1].participants.get()
    url = f"/api/v1/sessions/{w['session'].pk}/attendance/"
    response = m.post(url, {"records": [{"participant": participant.pk, "status": "attended"}]})
    assert response.status_code == 200, response.content
    assert response.json() == {"changed": 1}
    assert Attendance.objects.get(participant=participant).status == "attended"
    assert Attendance.objects.get(participant=participant).recorded_by == m.client.service_user
    assert AuditEvent.objects.get(action="api.session.attendance").details["client_id"] == m.client.client_id
    stranger = m.post(url, {"records": [{"participant": 999999, "status": "attended"}]})
    assert stranger.status_code == 409


def test_the_permission_layer_limits_a_client_to_its_write_scopes(staff_actor, db):
    """The service account of a client with registrations:write may decide on registrations but
    not record attendance or do anything else staff may: require() says no, whatever the caller."""
    w = world.build(staff_actor, registrations=1)
    client, _ = api_client_create(actor=staff_actor, name="beslissingen", scopes=[REGISTRATIONS_WRITE])
    with pytest.raises(NotAllowed):
        attendance_record(actor=client.service_user, session=w["session"], statuses={})
    from organisations.policies import can

    assert can(client.service_user, "registration.decide")
    assert not can(client.service_user, "staff.access")
    assert not can(client.service_user, "mission.manage")
    assert not can(client.service_user, "dashboard.view")
    assert not client.service_user.has_usable_password()


def test_staff_service_refuses_non_staff(db):
    from tests.factories import UserFactory

    with pytest.raises(NotAllowed):
        api_client_create(actor=UserFactory(), name="x", scopes=[REGISTRATIONS_READ])
    assert not ApiClient.objects.exists()


def test_machine_helper_uses_no_cookies(machine):
    m = machine(REGISTRATIONS_READ)
    assert isinstance(m, Machine)
    assert not m.http.cookies


def test_the_api_console_has_a_language_and_our_contrast_fixes_without_inline_style(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "css/api-docs.css" in html
    assert "<style" not in html  # the portal's CSP allows no inline style
