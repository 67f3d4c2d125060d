"""With Redis gone, every page still answers: reads fall back to the database, counts go there directly.

Each test starts a private ``redis-server`` on a free port, points the cache, the read-count buffer
and the Celery broker at it, warms the caches through real requests, then kills the server (every
connection refused at once) or freezes it with SIGSTOP (connections accepted, never answered: the
timeouts) and walks every URL of the URL configuration as anonymous, company user, RVO staff,
ministry and superuser. A new URL without parameters is walked automatically; one with parameters must be
added to ``ROUTE_KWARGS`` (``test_every_url_with_parameters_is_walked`` fails until it is).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from brochures import counters
from brochures.constants import Channel
from brochures.models import BrochureDailyCount, BrochureVersion
from brochures.selectors import pdf_cache_key, rendition_for_version
from brochures.services import brochure_draft_get_or_create, brochure_draft_update, rendition_render
from core.health import services_forget
from declarations.models import Declaration, Receipt
from instruments.models import FrameworkFollowUp, Instrument, InstrumentApplication
from instruments.services import application_start
from missions.models import Mission, PreparationSession, Registration
from notifications.models import OutboxMessage
from organisations.models import Membership
from staff.models import AgendaItem, FollowUpAction
from tests.factories import DEMO_INSTRUMENTS
from tests.mfa import login_staff

# Demo accounts by role; the company user is a member of an organisation with a registration (World).
ROLES = {
    "anonymous": None,
    "company": None,
    "staff": "rvo@demo.example",
    "ministry": "ministerie@demo.example",
    "superuser": "admin@demo.example",
}

# URL name → the keyword arguments of a real object of the demo data (``w`` is the World below).
ROUTE_KWARGS = {
    "accounts:confirm": lambda w: {"token": "not-a-valid-token"},
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "not-a-valid-token"},
    "organisations:invitation_accept": lambda w: {"token": "not-a-valid-token"},
    "privacy:delete_confirm": lambda w: {"token": "not-a-valid-token"},
    "organisations:detail": lambda w: {"pk": w.membership.organisation_id},
    "organisations:edit": lambda w: {"pk": w.membership.organisation_id},
    "organisations:invite": lambda w: {"pk": w.membership.organisation_id},
    "organisations:member_update": lambda w: {"pk": w.membership.organisation_id, "membership_id": w.membership.pk},
    "missions:detail": lambda w: {"slug": w.mission.slug},
    "missions:register_start": lambda w: {"slug": w.mission.slug},
    "missions:register_step": lambda w: {"slug": w.registration.mission.slug, "pk": w.registration.pk, "step": 1},
    "missions:imvo_brochure": lambda w: {"slug": w.registration.mission.slug, "pk": w.registration.pk},
    "my:registration": lambda w: {"pk": w.registration.pk},
    "my:withdraw": lambda w: {"pk": w.registration.pk},
    "my:sign": lambda w: {"pk": w.registration.pk},
    "declarations:sign": lambda w: {"pk": w.registration.pk},
    "declarations:receipt": lambda w: {"pk": w.declaration.pk},
    "brochures:edit": lambda w: {"slug": w.version.brochure.slug, "language": w.version.language},
    "brochures:preview": lambda w: {"pk": w.version.pk},
    "brochures:preview_pdf": lambda w: {"pk": w.version.pk},
    "brochures:preview_status": lambda w: {"pk": w.version.pk},
    "brochures:publish": lambda w: {"pk": w.version.pk},
    "brochures:retry": lambda w: {"pk": rendition_for_version(version=w.version).pk},
    "brochures:mission_pack": lambda w: {"slug": w.mission.slug},
    "brochures:detail": lambda w: {"slug": w.version.brochure.slug},
    "brochures:pdf": lambda w: {"slug": w.version.brochure.slug},
    "brochures:version": lambda w: w.version_kwargs,
    "brochures:version_pdf": lambda w: w.version_kwargs,
    "brochures:status": lambda w: w.version_kwargs,
    "brochures:file": lambda w: {"sha256": "0" * 64, "filename": "imvo-nl-v1.pdf"},
    "language_switch": lambda w: {"language": "en"},
    "staff:mission_detail": lambda w: {"pk": w.mission.pk},
    "staff:mission_edit": lambda w: {"pk": w.mission.pk},
    "staff:mission_transition": lambda w: {"pk": w.mission.pk},
    "staff:registration_list": lambda w: {"pk": w.mission.pk},
    "staff:export": lambda w: {"pk": w.mission.pk, "kind": "registrations", "fmt": "xlsx"},
    "staff:session_create": lambda w: {"pk": w.mission.pk},
    "staff:follow_up_create": lambda w: {"pk": w.mission.pk},
    "staff:registration_detail": lambda w: {"pk": w.registration.pk},
    "staff:organisation_detail": lambda w: {"pk": w.membership.organisation_id},
    "staff:organisation_verify": lambda w: {"pk": w.membership.organisation_id},
    "staff:registration_action": lambda w: {"pk": w.registration.pk},
    "staff:session_detail": lambda w: {"pk": w.session.pk},
    "api:mission_detail": lambda w: {"slug": w.mission.slug},
    "api:session_detail": lambda w: {"pk": w.session.pk},
    "api:attendance": lambda w: {"pk": w.session.pk},
    "api:registration_detail": lambda w: {"pk": w.registration.pk},
    "api:registration_decide": lambda w: {"pk": w.registration.pk},
    "api:instrument_detail": lambda w: {"slug": w.instrument.slug},
    "api:declaration_detail": lambda w: {"sequence": w.declaration.sequence},
    "api:release_detail": lambda w: {"number": 1},
    "api_staff:client_rotate": lambda w: {"pk": 1},
    "api_staff:client_revoke": lambda w: {"pk": 1},
    "webhooks:endpoint_detail": lambda w: {"pk": 1},
    "webhooks:endpoint_edit": lambda w: {"pk": 1},
    "webhooks:endpoint_disable": lambda w: {"pk": 1},
    "webhooks:endpoint_secret_rotate": lambda w: {"pk": 1},
    "webhooks:delivery_resend": lambda w: {"pk": 1},
    "opendata:release_json": lambda w: {"number": 1},
    "opendata:release_csv": lambda w: {"number": 1},
    "staff:session_edit": lambda w: {"pk": w.session.pk},
    "staff:session_notes": lambda w: {"pk": w.session.pk},
    "staff:session_agenda": lambda w: {"pk": w.session.pk},
    "staff:agenda_item_add": lambda w: {"pk": w.session.pk},
    "staff:agenda_item_remove": lambda w: {"pk": w.agenda_item.pk},
    "staff:session_invite": lambda w: {"pk": w.session.pk},
    "staff:session_attendance": lambda w: {"pk": w.session.pk},
    "staff:session_calendar": lambda w: {"pk": w.session.pk},
    "staff:follow_up_edit": lambda w: {"pk": w.follow_up.pk},
    "staff:follow_up_done": lambda w: {"pk": w.follow_up.pk},
    "staff:mail_resend": lambda w: {"pk": w.outbox_message.pk},
    "staff:receipt_retry": lambda w: {"pk": w.receipt.pk},
    "staff:job_retry": lambda w: {"kind": "declarations.receipt", "pk": w.receipt.pk},
    "instruments:detail": lambda w: {"slug": w.instrument.slug},
    "instrument_imvo:page": lambda w: {"slug": w.instrument.slug},
    "instrument_imvo:pdf": lambda w: {"slug": w.instrument.slug},
    "instruments:apply": lambda w: {"slug": w.instrument.slug},
    "instruments:application": lambda w: {"pk": w.instrument_application.pk},
    "instruments:application_read": lambda w: {"pk": w.instrument_application.pk},
    "instruments:application_sign": lambda w: {"pk": w.instrument_application.pk},
    "instruments:application_ask": lambda w: {"pk": w.instrument_application.pk},
    "instruments:application_self_assessment": lambda w: {"pk": w.instrument_application.pk},
    "staff:instrument_detail": lambda w: {"pk": w.instrument.pk},
    "staff:instrument_edit": lambda w: {"pk": w.instrument.pk},
    "staff:instrument_assess": lambda w: {"pk": w.instrument.pk},
    "staff:instrument_assessment": lambda w: {"pk": w.instrument.pk, "version": 1},
    "staff:instrument_level": lambda w: {"pk": w.instrument.pk},
    "staff:instrument_phase_edit": lambda w: {"pk": w.instrument.level_decisions.first().phase_id},
    "staff:instrument_follow_up_resolve": lambda w: {"pk": w.instrument_follow_up.pk},
    "staff:declaration_text_publish": lambda w: {"kind": "subsidy"},
}
# Object pages of the Django admin: generic Django code that never touches Redis.
NOT_WALKED_NAMESPACES = ("admin",)


def _url_patterns(patterns=None, namespace: str = "", prefix_parameters: bool = False):
    """(full name, pattern) of every named URL, namespaces included. A URL under an include whose
    prefix has parameters (``instruments/<slug>/imvo/``) counts as having parameters."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _url_patterns(entry.url_patterns, inner, prefix_parameters or _has_parameters(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            pattern = SimpleNamespace(converters={"prefix": True}) if prefix_parameters else entry.pattern
            yield ":".join(filter(None, [namespace, entry.name])), pattern


def _has_parameters(pattern) -> bool:
    return bool(getattr(pattern, "converters", None) or pattern.regex.groups)


def test_every_url_with_parameters_is_walked():
    missing = sorted(
        name
        for name, pattern in _url_patterns()
        if _has_parameters(pattern) and name not in ROUTE_KWARGS and name.split(":")[0] not in NOT_WALKED_NAMESPACES
    )
    assert missing == [], f"add these URL names to ROUTE_KWARGS: {missing}"


# --- A private Redis server -------------------------------------------------------------


@dataclass
class RedisServer:
    process: subprocess.Popen
    url: str

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(f"{self.url}/{db}", socket_connect_timeout=1)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def fail(self, outage: str) -> None:
        """``killed``: connections are refused at once; ``hung``: accepted, never answered (timeouts)."""
        if outage == "killed":
            self.kill()
        else:
            os.kill(self.process.pid, signal.SIGSTOP)  # the fixture's SIGKILL still ends it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(process=process, url=f"redis://127.0.0.1:{port}")
    deadline = time.monotonic() + 10
    while True:
        try:
            server.client().ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the private redis-server did not start") from None
            time.sleep(0.05)
    try:
        yield server
    finally:
        if process.poll() is None:
            server.kill()


@pytest.fixture
def portal_on_redis(settings, monkeypatch, private_redis):
    """Cache, read-count buffer and Celery broker (not eager) on the private Redis."""
    from imvo_portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)  # before the settings change below
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"{private_redis.url}/0",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
    settings.BROCHURE_COUNT_BUFFER_URL = f"{private_redis.url}/1"
    settings.CELERY_BROKER_URL = f"{private_redis.url}/2"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTHZ_TIMEOUT = 0.5
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    monkeypatch.setenv("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)  # Celery reads it before its conf
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield private_redis
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool = None
        app.amqp._producer_pool = None


# --- Demo data --------------------------------------------------------------------------


@dataclass
class World:
    mission: Mission
    registration: Registration
    declaration: Declaration
    membership: Membership
    session: PreparationSession
    agenda_item: AgendaItem
    follow_up: FollowUpAction
    version: BrochureVersion
    outbox_message: OutboxMessage
    receipt: Receipt
    instrument: Instrument
    instrument_application: InstrumentApplication
    instrument_follow_up: FrameworkFollowUp

    @property
    def version_kwargs(self) -> dict:
        return {"slug": self.version.brochure.slug, "language": self.version.language, "number": self.version.number}


@pytest.fixture(scope="module")
def _seeded_world(django_db_setup, django_db_blocker, tmp_path_factory) -> SimpleNamespace:
    """seed_demo's data, with the Dutch and English IMVO brochure PDFs made (as the worker would),
    once for the module: in a transaction rolled back at its end, each test in a savepoint inside it
    (pytest-django's ``db``). Returns the primary keys and the media folder holding the PDFs."""
    from django.db import transaction
    from django.test import override_settings

    media = tmp_path_factory.mktemp("redis-down-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", companies=3, instruments=DEMO_INSTRUMENTS, force=True, stdout=io.StringIO())
            for language in ("nl", "en"):
                version = BrochureVersion.objects.get(brochure__slug="imvo", language=language, number=1)
                rendition_render(rendition_id=rendition_for_version(version=version).pk)
            declaration = Declaration.objects.filter(subject_type="mission_registration").order_by("pk").first()
            registration = declaration.subject
            membership = (
                Membership.objects.filter(organisation=registration.organisation).order_by("user__email").first()
            )
            session = PreparationSession.objects.order_by("pk").first()
            instrument = Instrument.objects.get(code="DTIF")  # level 2 from phase 1 in the demo data
            instrument_application = application_start(
                instrument=instrument, organisation=registration.organisation, reference="DEMO-1", actor=membership.user
            )
            yield SimpleNamespace(
                media=media,
                mission=Mission.objects.filter(status="published").order_by("pk").first().pk,
                registration=registration.pk,
                declaration=declaration.pk,
                membership=membership.pk,
                session=session.pk,
                agenda_item=AgendaItem.objects.filter(session=session).order_by("pk").first().pk,
                follow_up=FollowUpAction.objects.order_by("pk").first().pk,
                version=BrochureVersion.objects.get(brochure__slug="imvo", language="nl", number=1).pk,
                outbox_message=OutboxMessage.objects.order_by("pk").first().pk,
                receipt=Receipt.objects.order_by("pk").first().pk,
                instrument=instrument.pk,
                instrument_application=instrument_application.pk,
                instrument_follow_up=FrameworkFollowUp.objects.create(
                    application=instrument_application, reason="Demo", guidance="Demo"
                ).pk,
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(db, settings, _seeded_world) -> World:
    """The module's demo data as fresh objects, and its PDFs copied into this test's media folder."""
    shutil.copytree(_seeded_world.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    pks = _seeded_world
    return World(
        mission=Mission.objects.get(pk=pks.mission),
        registration=Registration.objects.get(pk=pks.registration),
        declaration=Declaration.objects.get(pk=pks.declaration),
        membership=Membership.objects.select_related("user", "organisation").get(pk=pks.membership),
        session=PreparationSession.objects.get(pk=pks.session),
        agenda_item=AgendaItem.objects.get(pk=pks.agenda_item),
        follow_up=FollowUpAction.objects.get(pk=pks.follow_up),
        version=BrochureVersion.objects.select_related("brochure").get(pk=pks.version),
        outbox_message=OutboxMessage.objects.get(pk=pks.outbox_message),
        receipt=Receipt.objects.get(pk=pks.receipt),
        instrument=Instrument.objects.get(pk=pks.instrument),
        instrument_application=InstrumentApplication.objects.get(pk=pks.instrument_application),
        instrument_follow_up=FrameworkFollowUp.objects.get(pk=pks.instrument_follow_up),
    )


def _user(world: World, role: str) -> User | None:
    if role == "company":
        return world.membership.user
    return User.objects.get(email=ROLES[role]) if ROLES[role] else None


def _login(client, world: World, role: str) -> None:
    client.logout()
    if user := _user(world, role):
        login_staff(client, user)  # verified second factor for staff and ministry


def _pdf_reads() -> int:
    return sum(BrochureDailyCount.objects.filter(channel=Channel.PDF).values_list("count", flat=True))


def _get(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


# --- The tests ----------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize("outage", ["killed", "hung"])
def test_every_page_answers_with_redis_down(client, world, portal_on_redis, django_capture_on_commit_callbacks, outage):
    pdf_url = reverse("brochures:pdf", args=["imvo"])
    # While Redis is up, the caches are used: the PDF's description and the dashboard's body.
    assert _get(client, pdf_url).status_code == 200
    _login(client, world, "ministry")
    assert client.get(reverse("dashboard:index")).status_code == 200
    cache_keys = {key.decode() for key in portal_on_redis.client(0).keys("*")}
    assert any(pdf_cache_key(slug="imvo", language="nl") in key for key in cache_keys)
    assert any("dashboard:body:" in key for key in cache_keys)

    portal_on_redis.fail(outage)

    urls = []
    for name, pattern in _url_patterns():
        if _has_parameters(pattern):
            if name in ROUTE_KWARGS:
                urls.append(reverse(name, kwargs=ROUTE_KWARGS[name](world)))
        else:
            urls.append(reverse(name))
    assert len(urls) > 60
    failures = []
    for role in ROLES:
        _login(client, world, role)
        for url in urls:
            # Callbacks run as after a real commit: cache deletes and task sends meet the dead Redis too.
            with django_capture_on_commit_callbacks(execute=True):
                status = _get(client, url).status_code
            if status >= 500:
                failures.append((role, url, status))
    assert failures == []


@pytest.mark.redis
def test_pdf_download_is_counted_in_the_database_with_redis_down(client, world, portal_on_redis):
    pdf_url = reverse("brochures:pdf", args=["imvo"])
    response = _get(client, pdf_url)
    assert response.status_code == 200
    counters.reads_send()  # what the process holds for at most a moment
    counters._sender(counters.settings.BROCHURE_COUNT_BUFFER_URL).sync()
    assert portal_on_redis.client(1).hlen(counters.BUFFER_KEY) == 1 and _pdf_reads() == 0  # buffered

    portal_on_redis.kill()
    for expected in (1, 2):
        response = _get(client, pdf_url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        counters.reads_send()
        assert _pdf_reads() == expected  # Redis does not take them: written to the database
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = _get(client, pdf_url)
    assert response.status_code == 200 and response["ETag"].strip('"') == (
        rendition_for_version(version=BrochureVersion.objects.get(brochure__slug="imvo", language="en")).file_sha256
    )
    counters.reads_send()
    assert _pdf_reads() == 3


@pytest.mark.redis
def test_login_and_publishing_work_with_redis_down(client, world, portal_on_redis, django_capture_on_commit_callbacks):
    portal_on_redis.kill()

    # Sessions and the lockout counters live in the database, so logging in needs no Redis.
    response = client.post(
        reverse("accounts:login"), {"username": world.membership.user.email, "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("my:overview")).status_code == 200

    # Publishing forgets the cached PDF (a cache delete) and queues the render (a task send).
    staff = _user(world, "staff")
    draft = brochure_draft_get_or_create(brochure=world.version.brochure, language="nl", actor=staff)
    brochure_draft_update(version=draft, title="Nieuw", summary="", source="## A\n\nNieuwe tekst.", actor=staff)
    _login(client, world, "staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("brochures:publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.number == 2
    # The new version has no PDF yet: the progress page, not the old PDF and not an error.
    assert client.get(reverse("brochures:pdf", args=["imvo"])).status_code == 202


@pytest.mark.redis
@pytest.mark.parametrize("outage", ["killed", "hung"])
def test_readiness_reports_redis_down_and_liveness_stays_ok(client, world, portal_on_redis, outage):
    report = client.get(reverse("healthz_ready")).json()
    assert report["cache"]["status"] == "up" and report["broker"]["status"] == "up"
    assert report["worker"]["status"] == "down"  # no worker in this test

    portal_on_redis.fail(outage)
    services_forget()  # instead of waiting HEALTHZ_READY_CACHE_SECONDS
    response = client.get(reverse("healthz_ready"))
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "degraded" and report["database"]["status"] == "up"
    assert report["cache"]["status"] == "down" and report["broker"]["status"] == "down"
    assert report["worker"]["status"] == "unknown"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
