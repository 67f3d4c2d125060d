"""Personal data matched by exact identity (issue 23, item 3): accounts whose addresses contain each
other each see in my-data, and erase with their deletion, only their own records."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEventPersonal
from audit.services import audit_event_record
from missions.models import Participant
from notifications.models import OutboxMessage, OutboxStatus
from organisations.models import Invitation
from privacy.services import account_data_export, account_delete, deletion_tokens
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each address contains the first; the last two are spelling variants of the first as typed.
ADDRESSES = {"a": "a@x.nl", "probe": "probe-a@x.nl", "evil": "a@x.nl.evil"}
TYPED = {"a": "A@X.nl ", "probe": "Probe-A@x.nl", "evil": "a@X.NL.evil"}
IPS = {"a": "198.51.100.1", "probe": "198.51.100.2", "evil": "198.51.100.3"}
AGENTS = {"a": "Agent-of-a/1.0", "probe": "Agent-of-probe/1.0", "evil": "Agent-of-evil/1.0"}


def _failed_login(name: str) -> None:
    Client().post(
        reverse("accounts:login"),
        {"username": TYPED[name], "password": "wrong"},
        REMOTE_ADDR=IPS[name],
        HTTP_USER_AGENT=AGENTS[name],
    )


@pytest.fixture
def people(mailoutbox):
    users = {name: UserFactory(email=address) for name, address in ADDRESSES.items()}
    organisation = OrganisationFactory()
    for name, user in users.items():
        _failed_login(name)
        OutboxMessage.objects.create(
            to=[TYPED[name].strip()], subject=f"mail for {name}", body_text=f"body for {name}", status=OutboxStatus.SENT
        )
        OutboxMessage.objects.create(
            to=[f"Someone <{TYPED[name].strip()}>"],
            subject=f"named mail for {name}",
            body_text="x",
            status=OutboxStatus.SENT,
        )
        audit_event_record(action="test.about", details={"email": TYPED[name], "note": f"note-{name}"})
        audit_event_record(action="test.by", actor=user, details={"ip": IPS[name]})
        Invitation.objects.create(
            organisation=organisation,
            email=ADDRESSES[name],
            invited_by=users["a"],
            token_sha256=f"test-{name}",
            expires_at=timezone.now() + timedelta(days=7),
        )
    return users


def _fingerprint(data: dict) -> str:
    return json.dumps(data, sort_keys=True, default=str)


def _others(name: str) -> list[str]:
    return [other for other in ADDRESSES if other != name]


@pytest.mark.parametrize("name", list(ADDRESSES))
def test_each_sees_only_their_own_records_in_my_data(people, name):
    data = account_data_export(user=people[name])
    text = _fingerprint(data)
    assert [row["ip_address"] for row in data["logins"]] == [] or all(
        row["ip_address"] == IPS[name] for row in data["logins"]
    )
    assert IPS[name] in text and AGENTS[name] in text  # the failed login at my address, typed in capitals
    assert f"note-{name}" in text
    assert {m["subject"] for m in data["emails"]} == {f"mail for {name}", f"named mail for {name}"}
    assert len(data["invitations"]) == 1
    for other in _others(name):
        assert IPS[other] not in text and AGENTS[other] not in text and f"note-{other}" not in text
        assert f"mail for {other}" not in text


def test_the_page_and_the_json_show_only_their_own(people):
    client = Client()
    client.force_login(people["a"])
    for url in (reverse("privacy:my_data"), reverse("privacy:my_data_json")):
        body = client.get(url).content.decode()
        assert IPS["a"] in body and AGENTS["a"] in body
        for other in _others("a"):
            assert IPS[other] not in body and AGENTS[other] not in body and ADDRESSES[other] not in body


def test_deleting_one_account_erases_its_records_and_no_one_elses(people):
    before = {name: _fingerprint(account_data_export(user=people[name])) for name in _others("a")}
    user = people["a"]
    token = deletion_tokens.make_token(user)
    account_delete(user=user, token=token)
    # The others' copies are unchanged: nothing of theirs was erased.
    for name in _others("a"):
        assert _fingerprint(account_data_export(user=people[name])) == before[name]
    # Of a@x.nl nothing is left: login records, audit personal parts, mail, invitations.
    for model in (AccessAttempt, AccessFailureLog):
        usernames = set(model.objects.values_list("username", flat=True))
        assert ADDRESSES["a"] not in usernames and {ADDRESSES["probe"], ADDRESSES["evil"]} <= usernames
    remaining = AuditEventPersonal.objects.filter(erased_at__isnull=True)
    assert not remaining.filter(subject_email=ADDRESSES["a"]).exists()
    assert not remaining.filter(ip_address=IPS["a"]).exists()
    assert remaining.filter(ip_address=IPS["probe"]).exists() and remaining.filter(ip_address=IPS["evil"]).exists()
    recipients = [address for to in OutboxMessage.objects.values_list("to", flat=True) for address in to]
    assert not [r for r in recipients if r.strip().lower() in (ADDRESSES["a"], f"someone <{ADDRESSES['a']}>")]
    assert TYPED["probe"] in recipients and TYPED["evil"] in recipients
    assert set(Invitation.objects.exclude(email="").values_list("email", flat=True)) == {
        ADDRESSES["probe"],
        ADDRESSES["evil"],
    }
    with connection.cursor() as cursor:  # the raw tables, not only what the models show
        cursor.execute("SELECT details, subject_email FROM audit_auditeventpersonal")
        assert not any('note-a"' in str(details) or email == ADDRESSES["a"] for details, email in cursor.fetchall())


def test_participants_are_matched_by_the_whole_address(people):
    from dashboard.tests.helpers import make_mission, register

    registration = register(make_mission(), OrganisationFactory())
    for name in ADDRESSES:
        Participant.objects.create(registration=registration, name=f"P {name}", email=ADDRESSES[name], position="x")
    for name in ADDRESSES:
        assert [p["name"] for p in account_data_export(user=people[name])["participations"]] == [f"P {name}"]


def test_my_data_queries_do_not_grow_with_the_records(people):
    user = people["probe"]
    with CaptureQueriesContext(connection) as few:
        account_data_export(user=user)
    for n in range(10):
        _failed_login("probe")
        audit_event_record(action="test.about", details={"email": TYPED["probe"], "n": n})
        audit_event_record(action="test.by", actor=user)
        OutboxMessage.objects.create(to=[ADDRESSES["probe"]], subject=f"more {n}", body_text="x")
    with CaptureQueriesContext(connection) as many:
        data = account_data_export(user=user)
    assert len(data["emails"]) == 12
    assert len(many) == len(few)
