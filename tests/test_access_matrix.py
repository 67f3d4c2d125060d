"""Who may reach which URL: one matrix over every URL pattern of the root URL configuration.

Every pattern found by walking ``django.urls.get_resolver()`` must be in ``ACCESS`` (or in
``EXCLUDED`` / a namespace of ``COVERED_ELSEWHERE`` with the reason), so a new view cannot ship
without its access rule. Each URL is requested as six people:

- ``anonymous``;
- ``member``: admin and signatory of the organisation that owns the world's objects;
- ``outsider``: admin and signatory of ANOTHER organisation;
- ``ministry`` and ``staff`` (RVO), both with their second factor;
- ``superuser``: an operator (``is_superuser``, second factor) who is neither staff nor ministry.

What each gets: 200, a login redirect, another redirect, 403 or 404. A POST-only view answers a
GET of a role it admits with 405 and that role's valid POST then works (a redirect); every other
role's POST is refused the same way as its GET.

The world is built once for the module inside a transaction rolled back at its end (as
tests/test_crawl.py does); each URL's test runs in a savepoint, so a POST never leaks into the
next URL. Sessions are made once per role and reused as cookies.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "outsider", "ministry", "staff", "superuser")

OK, LOGIN, FORBIDDEN, NOT_FOUND, REDIRECT, GONE = 200, "login", 403, 404, "redirect", 410
REFUSED = "refused"  # POST-only view: redirected back, nothing changed (no audit record)


@dataclass(frozen=True)
class Rule:
    """What each role gets for one URL; ``post`` is the valid data of a POST-only view."""

    outcomes: dict[str, object]
    kwargs: object = None  # callable(world) -> URL kwargs
    post: object = None  # dict or callable(world) -> dict
    prepare: object = None  # callable(world) run in the test's savepoint before the requests
    query: str = ""
    audited: bool = True  # an accepted POST leaves an audit record (False: a session-only change)
    max_queries: int = 80  # per person and URL, GET and POST together

    def outcome(self, role: str):
        return self.outcomes[role]


def rule(default, *, kwargs=None, post=None, prepare=None, query="", audited=True, max_queries=80, **per_role) -> Rule:
    outcomes = {role: per_role.get(role, default) for role in ROLES}
    return Rule(outcomes, kwargs, post, prepare, query, audited, max_queries)


def public(**kw) -> Rule:
    return rule(OK, **kw)


def logged_in(**kw) -> Rule:
    """Any logged-in person, anonymous goes to the login page."""
    return rule(OK, anonymous=LOGIN, **kw)


def staff_only(**kw) -> Rule:
    return rule(FORBIDDEN, anonymous=LOGIN, staff=OK, **kw)


def ministry_only(**kw) -> Rule:
    return rule(FORBIDDEN, **{"anonymous": LOGIN, "ministry": OK, **kw})


def owner_only(refused=NOT_FOUND, **kw) -> Rule:
    """Only a member of the object's organisation; everybody else gets ``refused`` (404 hides it)."""
    per_role = {"anonymous": LOGIN, "member": OK, **kw.pop("roles", {})}
    return rule(refused, **per_role, **kw)


def pk(name):
    return lambda world: {"pk": world[name].pk}


def slug(name):
    return lambda world: {"slug": world[name].slug}


# --- What is not in the matrix, and why ---
EXCLUDED = {
    # Django admin's own views answer through admin.site.has_permission (is_staff + active); the
    # portal's doors to it (admin_login, admin_password_change) are in the matrix.
    "admin:": "Django admin internals, guarded by AdminSite.has_permission (admin tests)",
    # Framework plumbing without data: the language switch and the JavaScript catalog.
    "set_language": "django.conf.urls.i18n: stores a language choice, no data",
    "otp_webauthn:js-i18n-catalog": "django-otp-webauthn's JavaScript translation catalogue, no data",
    # Only with DEBUG on (never in tests): django.contrib.staticfiles.
    "static": "staticfiles_urlpatterns(), added only when DEBUG is on",
}
COVERED_ELSEWHERE = {
    "api": "token API (OAuth 2 client credentials), covered by the api tests",
}

ACCESS: dict[str, Rule] = {}  # filled below


def url_patterns(resolver=None, namespace=""):
    """(name, route) of every URL pattern under the root configuration, with its namespace."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or entry.lookup_str}", str(entry.pattern)


def _classification(name: str) -> str:
    if name in ACCESS:
        return "matrix"
    if name in EXCLUDED or any(name.startswith(p) for p in EXCLUDED if p.endswith(":")):
        return "excluded"
    if name.split(":")[0] in COVERED_ELSEWHERE and ":" in name:
        return "elsewhere"
    if "staticfiles" in name:
        return "excluded"
    return "missing"


def test_every_url_pattern_has_an_access_rule():
    names = [name for name, _route in url_patterns()]
    missing = sorted(name for name in names if _classification(name) == "missing")
    assert missing == [], f"URL patterns without an access rule in tests/test_access_matrix.py: {missing}"
    stale = sorted(set(ACCESS) - set(names))
    assert stale == [], f"rules for URL names that no longer exist: {stale}"
    assert len(names) > 100  # the walk really found the site


def test_the_walk_finds_nested_namespaces_and_a_missing_rule_fails(monkeypatch):
    names = {name for name, _route in url_patterns()}
    assert {"staff:mission_detail", "otp_webauthn:credential-registration-begin", "home"} <= names
    monkeypatch.delitem(ACCESS, "staff:mission_detail")
    assert _classification("staff:mission_detail") == "missing"


# --- The world: one of everything, owned by the member's organisation ---
def build_world() -> dict:
    from datetime import date

    from django.utils import timezone

    from accounts.models import User
    from api.constants import MISSIONS_READ
    from api.services import api_client_create
    from brochures.selectors import rendition_for_version
    from brochures.tests.factories import published_brochure
    from core.jobs import JobStatus
    from dashboard.releases import release_publish
    from declarations.constants import Decision, ReceiptStatus
    from declarations.models import Receipt
    from instruments.models import FrameworkFollowUp
    from instruments.services import application_start
    from instruments.tests.factories import InstrumentFactory, PhaseFactory, assess
    from missions.constants import RegistrationStatus
    from missions.tests.factories import draft_ready
    from notifications.models import OutboxMessage, OutboxStatus
    from organisations.models import Membership
    from staff.models import AgendaItem, FollowUpAction
    from staff.services import session_agenda_ensure
    from staff.tests.factories import MissionFactory, ParticipantFactory, RegistrationFactory, SessionFactory, declare
    from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory, member_of
    from webhooks.constants import EventType
    from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    mission = MissionFactory(capacity_max=15)
    registration = RegistrationFactory(mission=mission, status=RegistrationStatus.HELD_FOR_REVIEW)
    organisation = registration.organisation
    member = member_of(organisation)
    declaration = declare(registration, Decision.NOT_ENDORSED)
    Receipt.objects.filter(declaration=declaration).update(status=ReceiptStatus.FAILED, last_error="OSError: vol")
    participant = ParticipantFactory(registration=RegistrationFactory(mission=mission))
    session = SessionFactory(mission=mission)
    session_agenda_ensure(session=session)
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    assess(instrument, staff, size=2)
    # The highest level asks every condition, so each application step can be taken.
    asking = InstrumentFactory(published_level=4, level_effective_from=date(2020, 1, 1))
    application = application_start(instrument=asking, organisation=organisation, reference="R-1", actor=member)
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    draft = draft_ready(mission=MissionFactory(), user=member, organisation=organisation)
    draft.draft_step = 5
    draft.save(update_fields=["draft_step"])
    colleague = member_of(organisation, role="member", is_authorised_signatory=False)
    outsider = member_of()
    api_client, _secret = api_client_create(actor=staff, name="Toegang", scopes=[MISSIONS_READ])
    endpoint = WebhookEndpoint.objects.create(
        name="Zaaksysteem",
        url="https://hooks.example.org/in",
        event_types=[EventType.DECLARATION_SIGNED],
        secret="s" * 43,
        created_by=staff,
    )
    event = WebhookEvent.objects.create(
        type=EventType.DECLARATION_SIGNED, audit_sequence=1, data={}, occurred_at=timezone.now()
    )
    return {
        "release": release_publish(reason="test"),
        "webhook_endpoint": endpoint,
        "webhook_delivery": WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, status=JobStatus.FAILED, attempts=1
        ),
        "api_client": api_client,
        "member": member,
        "outsider": outsider,
        "ministry": MinistryUserFactory(),
        "staff": staff,
        "superuser": User.objects.create_superuser(email="root@example.org", password="x" * 14, full_name="Root"),
        "organisation": organisation,
        "colleague": Membership.objects.get(user=colleague, organisation=organisation),
        "unverified_organisation": OrganisationFactory(unverified=True),
        "mission": mission,
        "registration": registration,
        "draft": draft,
        "participant": participant,
        "declaration": declaration,
        "failed_receipt": Receipt.objects.get(declaration=declaration),
        "session": session,
        "item": AgendaItem.objects.filter(session=session, imvo_topic="").first(),
        "follow_up": FollowUpAction.objects.create(
            organisation=organisation, mission=mission, topic="Gesprek", due_on="2030-01-01", owner=staff
        ),
        "failed_mail": OutboxMessage.objects.create(
            to=["a@example.org"], subject="Bevestiging", body_text="x", status=OutboxStatus.FAILED, attempts=1
        ),
        "instrument": instrument,
        "phase": PhaseFactory(),
        "application": application,
        "instrument_follow_up": FrameworkFollowUp.objects.create(application=application, reason="x", guidance="y"),
        "version": version,
        "rendition": rendition,
    }


def _sessions(world) -> dict[str, str]:
    """A session cookie per role (staff, ministry and the superuser with their second factor)."""
    from django.conf import settings

    from tests.mfa import login_staff

    cookies = {}
    for role in ROLES[1:]:
        client = Client()
        if role in ("ministry", "staff", "superuser"):
            login_staff(client, world[role])
        else:
            client.force_login(world[role])
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            objects = build_world()
            objects["cookies"] = _sessions(objects)
            yield objects
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def client_for(role: str, world) -> Client:
    from django.conf import settings

    client = Client()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world["cookies"][role]
    return client


def _brochure_version(world):
    version = world["version"]
    return {"slug": version.brochure.slug, "language": version.language, "number": version.number}


def _rendered(world):
    """The PDF in this test's storage (each test has its own media directory)."""
    from brochures.services import rendition_render

    rendition_render(rendition_id=world["rendition"].pk)
    world["rendition"].refresh_from_db()


def _draft_version(world):
    from brochures import services

    draft = services.brochure_draft_get_or_create(
        brochure=world["version"].brochure, language="nl", actor=world["staff"]
    )
    services.brochure_draft_update(
        version=draft, title="Nieuw", summary="", source="## A\n\nTekst.", actor=world["staff"]
    )
    world["draft_version"] = draft


def _failed_rendition(world):
    from brochures.constants import RenditionStatus
    from brochures.models import Rendition

    Rendition.objects.filter(pk=world["rendition"].pk).update(status=RenditionStatus.FAILED, last_error="OSError")


def _file(world):
    rendition = world["rendition"]
    return {"sha256": rendition.file_sha256 or "0" * 64, "filename": "imvo.pdf"}


# Staff back-office: URL name → (object giving pk, extra kwargs, valid POST data or None for a page).
STAFF = {
    "overview": (None, {}, None),
    "mission_list": (None, {}, None),
    "mission_create": (None, {}, None),
    "mission_detail": ("mission", {}, None),
    "mission_edit": ("mission", {}, None),
    "mission_transition": ("mission", {}, {"action": "close"}),
    "registration_list": ("mission", {}, None),
    "export": ("mission", {"kind": "registrations", "fmt": "xlsx"}, None),
    "session_create": ("mission", {}, None),
    "follow_up_create": ("mission", {}, None),
    "registration_detail": ("registration", {}, None),
    "registration_action": ("registration", {}, {"action": "confirm"}),
    "session_detail": ("session", {}, None),
    "session_edit": ("session", {}, None),
    "session_notes": ("session", {}, {"notes": "Goed gesprek."}),
    "session_agenda": ("session", {}, lambda w: {"done": [w["item"].pk]}),
    "agenda_item_add": ("session", {}, {"title_nl": "Lunch", "title_en": "Lunch"}),
    "agenda_item_remove": ("item", {}, {}),
    "session_invite": ("session", {}, {}),
    "session_attendance": ("session", {}, lambda w: {f"status-{w['participant'].pk}": "attended"}),
    "session_calendar": ("session", {}, None),
    "follow_up_list": (None, {}, None),
    "follow_up_edit": ("follow_up", {}, None),
    "follow_up_done": ("follow_up", {}, {"done": "1"}),
    "instrument_list": (None, {}, None),
    "instrument_create": (None, {}, None),
    "instrument_import": (None, {}, None),
    "instrument_brochures_refresh": (None, {}, {}),
    "instrument_phases": (None, {}, None),
    "instrument_phase_create": (None, {}, None),
    "instrument_phase_edit": ("phase", {}, None),
    "instrument_follow_up_resolve": ("instrument_follow_up", {}, {}),
    "instrument_detail": ("instrument", {}, None),
    "instrument_edit": ("instrument", {}, None),
    "instrument_assess": ("instrument", {}, None),
    "instrument_assessment": ("instrument", {"version": 1}, None),
    "instrument_level": ("instrument", {}, None),
    "declaration_texts": (None, {}, None),
    "declaration_text_publish": (None, {"kind": "subsidy"}, None),
    "organisation_list": (None, {}, None),
    "organisation_detail": ("organisation", {}, None),
    "organisation_verify": ("unverified_organisation", {}, {"reason": "KvK-uittreksel gecontroleerd", "confirm": "on"}),
    "audit": (None, {}, None),
    "mail_list": (None, {}, None),
    "mail_resend": ("failed_mail", {}, {}),
    "receipt_retry": ("failed_receipt", {}, {}),
    "job_list": (None, {}, None),
    "job_retry": ("failed_receipt", {"kind": "declarations.receipt"}, {}),
}


def _staff_kwargs(source, extra):
    return lambda world: {**({"pk": world[source].pk} if source else {}), **extra}


# Bulk actions that touch every instrument.
STAFF_MAX_QUERIES = {"instrument_brochures_refresh": 400}

for _name, (_source, _extra, _post) in STAFF.items():
    ACCESS[f"staff:{_name}"] = staff_only(
        kwargs=_staff_kwargs(_source, _extra), post=_post, max_queries=STAFF_MAX_QUERIES.get(_name, 80)
    )

ACCESS.update(
    {
        # Public pages.
        "home": public(),
        "healthz": public(),
        "healthz_ready": public(),
        "language_switch": rule(REDIRECT, kwargs=lambda w: {"language": "en"}),
        "privacy": public(),
        "accessibility": public(),
        "contact": public(),
        "verify": public(),
        "checkpoint_feed": public(),
        "checkpoint_feed_atom": public(),
        "checkpoint_feed_about": public(),
        "missions:list": public(),
        "missions:detail": public(kwargs=slug("mission")),
        "brochures:list": public(),
        "brochures:detail": public(kwargs=lambda w: {"slug": w["version"].brochure.slug}),
        "brochures:pdf": public(kwargs=lambda w: {"slug": w["version"].brochure.slug}, prepare=_rendered),
        "brochures:version": public(kwargs=_brochure_version),
        "brochures:version_pdf": public(kwargs=_brochure_version, prepare=_rendered),
        "brochures:status": public(kwargs=_brochure_version),
        "brochures:file": public(kwargs=_file, prepare=_rendered),
        "instruments:list": public(),
        "instruments:detail": public(kwargs=slug("instrument")),
        # ~100 queries for one public page: known, reported (issue 24 follow-up).
        "instrument_imvo:page": public(kwargs=slug("instrument"), max_queries=110),
        # The instrument's PDF is not rendered in this world: the "being prepared" answer (202).
        "instrument_imvo:pdf": rule(202, kwargs=slug("instrument"), max_queries=110),
        # Accounts.
        "accounts:signup": rule(REDIRECT, anonymous=OK),
        "accounts:signup_done": public(),
        # A made-up token: the page says the link is invalid (400), whoever asks.
        "accounts:confirm": rule(400, kwargs=lambda w: {"token": "not-a-token"}),
        "accounts:login": rule(REDIRECT, anonymous=OK),  # a logged-in person is sent on
        "accounts:logout": public(post={}, anonymous=REFUSED),  # anonymous: nothing to end
        "accounts:profile": logged_in(),
        "accounts:password_change": logged_in(),
        "accounts:reauth": logged_in(),
        "accounts:password_reset": public(),
        "accounts:password_reset_done": public(),
        "accounts:password_reset_confirm": public(kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"}),
        "accounts:password_reset_complete": public(),
        "accounts:mfa_manage": logged_in(),
        # Already verified sessions are sent on; the pages themselves are in accounts' MFA tests.
        "accounts:mfa_verify": rule(REDIRECT, anonymous=LOGIN),
        "accounts:mfa_setup": rule(REDIRECT, anonymous=LOGIN, member=OK, outsider=OK),
        "accounts:mfa_recovery_codes": rule(REDIRECT, anonymous=LOGIN),
        # django-otp-webauthn's JSON ceremonies: POST only with a WebAuthn payload (the passkey
        # tests drive them); GET is 405, and 403 for anonymous where a login is needed.
        "otp_webauthn:credential-registration-begin": rule(405, anonymous=FORBIDDEN),
        "otp_webauthn:credential-registration-complete": rule(405, anonymous=FORBIDDEN),
        "otp_webauthn:credential-authentication-begin": rule(405, anonymous=FORBIDDEN),
        "otp_webauthn:credential-authentication-complete": rule(405, anonymous=FORBIDDEN),
        # eHerkenning is off unless OIDC is configured (tests/oidc drives it with the provider).
        "eherkenning:login": rule(NOT_FOUND),
        "eherkenning:callback": rule(NOT_FOUND),
        "eherkenning:organisation": rule(REDIRECT, anonymous=LOGIN),
        # The admin's doors are the portal's own login and password change.
        "admin_login": rule(LOGIN),
        "admin_password_change": rule(REDIRECT),
        # Privacy (own data only: the URL names no object).
        "privacy:my_data": logged_in(),
        "privacy:my_data_json": logged_in(),
        # Privileged accounts are removed by an operator, not by themselves.
        "privacy:delete": rule(FORBIDDEN, anonymous=LOGIN, member=OK, outsider=OK),
        "privacy:delete_confirm": rule(
            FORBIDDEN, anonymous=LOGIN, member=400, outsider=400, kwargs=lambda w: {"token": "not-a-token"}
        ),
        # Organisations.
        "organisations:home": rule(REDIRECT, anonymous=LOGIN),  # to the active organisation or start
        "organisations:start": logged_in(),
        "organisations:create": logged_in(),
        # Anybody may switch, but only to an organisation of their own.
        "organisations:switch": rule(
            "POST 404",
            anonymous=LOGIN,
            member=OK,
            post=lambda w: {"organisation": w["organisation"].pk},
            audited=False,  # only the session changes
        ),
        "organisations:invitation_accept": rule(GONE, anonymous=LOGIN, kwargs=lambda w: {"token": "not-a-token"}),
        "organisations:detail": owner_only(kwargs=pk("organisation")),
        "organisations:edit": owner_only(kwargs=pk("organisation")),
        "organisations:invite": owner_only(kwargs=pk("organisation")),
        "organisations:member_update": owner_only(
            kwargs=lambda w: {"pk": w["organisation"].pk, "membership_id": w["colleague"].pk},
            post={"role": "member", "is_authorised_signatory": "on"},
        ),
        # Missions: registering and the company's own registrations.
        # Only company people register; staff, ministry and operators are sent away.
        "missions:register_start": rule(
            OK, anonymous=LOGIN, ministry=REDIRECT, staff=REDIRECT, superuser=REDIRECT, kwargs=slug("mission")
        ),
        "missions:register_step": owner_only(
            kwargs=lambda w: {"slug": w["draft"].mission.slug, "pk": w["draft"].pk, "step": 2}
        ),
        # Logs the view and sends the member on to the brochure.
        "missions:imvo_brochure": owner_only(
            kwargs=lambda w: {"slug": w["draft"].mission.slug, "pk": w["draft"].pk}, roles={"member": REDIRECT}
        ),
        "my:overview": logged_in(),
        "my:registration": owner_only(kwargs=pk("registration")),
        "my:withdraw": owner_only(kwargs=pk("registration")),
        # Already decided: the member is sent to the registration.
        "my:sign": owner_only(kwargs=pk("registration"), roles={"member": REDIRECT}),
        "declarations:sign": rule(REDIRECT, kwargs=pk("registration")),
        "declarations:receipt": owner_only(kwargs=pk("declaration"), roles={"staff": OK}),
        # Instrument applications.
        "instruments:apply": logged_in(kwargs=slug("instrument")),
        "instruments:application": owner_only(kwargs=pk("application"), roles={"staff": OK}),
        # Staff may look at an application, but acting on it is the organisation's: the service says no.
        "instruments:application_read": owner_only(
            kwargs=pk("application"), post={"confirm": "on"}, roles={"staff": REFUSED}
        ),
        # Signing, asking a signatory and the self-assessment need earlier steps: here only the
        # doors (GET 405, the POST redirects back); the accepted paths and the service's refusal of
        # staff are in instruments/tests (test_views, test_services).
        "instruments:application_sign": owner_only(
            kwargs=pk("application"), post={"action": "sign"}, roles={"staff": "POST 403"}, audited=False
        ),
        "instruments:application_ask": owner_only(
            kwargs=pk("application"), post={}, roles={"staff": OK}, audited=False
        ),
        "instruments:application_self_assessment": owner_only(
            kwargs=pk("application"),
            post=dict.fromkeys(("policy", "risks", "measures", "monitoring"), "yes"),
            roles={"staff": OK},
            audited=False,
        ),
        # Brochure editing is RVO staff's.
        "brochures:manage": staff_only(),
        "brochures:edit": staff_only(kwargs=lambda w: {"slug": w["version"].brochure.slug, "language": "nl"}),
        "brochures:preview": staff_only(kwargs=pk("version")),
        "brochures:preview_pdf": staff_only(kwargs=pk("version"), prepare=_rendered),
        "brochures:preview_status": staff_only(kwargs=pk("version")),
        "brochures:publish": staff_only(kwargs=pk("draft_version"), post={}, prepare=_draft_version),
        "brochures:retry": staff_only(kwargs=pk("rendition"), post={}, prepare=_failed_rendition),
        "brochures:mission_pack": staff_only(kwargs=slug("mission"), post={}, max_queries=250),
        # API clients are managed by RVO staff (the API itself: COVERED_ELSEWHERE).
        "api_staff:client_list": staff_only(),
        "api_staff:client_create": staff_only(),
        "api_staff:client_rotate": staff_only(kwargs=pk("api_client"), post={}),
        "api_staff:client_revoke": staff_only(kwargs=pk("api_client"), post={}),
        # Open data: public releases of the dashboard figures.
        "opendata:index": public(),
        "opendata:method": public(),
        "opendata:catalog": public(),
        "opendata:release_json": public(kwargs=lambda w: {"number": w["release"].number}),
        "opendata:release_csv": public(kwargs=lambda w: {"number": w["release"].number}),
        "opendata:release_schema": public(),
        # Webhook endpoints are managed by RVO staff.
        "webhooks:endpoint_list": staff_only(),
        "webhooks:endpoint_create": staff_only(),
        "webhooks:endpoint_detail": staff_only(kwargs=pk("webhook_endpoint")),
        "webhooks:endpoint_edit": staff_only(kwargs=pk("webhook_endpoint")),
        "webhooks:endpoint_disable": staff_only(kwargs=pk("webhook_endpoint"), post={}),
        "webhooks:endpoint_secret_rotate": staff_only(kwargs=pk("webhook_endpoint"), post={}),
        "webhooks:delivery_resend": staff_only(kwargs=pk("webhook_delivery"), post={}),
        # Prometheus metrics: 404 unless METRICS_TOKEN or METRICS_ALLOWED_IPS is set (core tests).
        "metrics": rule(NOT_FOUND),
        # The ministry's aggregates.
        "dashboard:index": ministry_only(staff=OK),
        "dashboard:export": ministry_only(staff=OK),
        "dashboard:instruments": ministry_only(staff=OK),
    }
)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def observed(response):
    if _is_login_redirect(response):
        return LOGIN
    if response.status_code in (301, 302, 303):
        return REDIRECT
    return response.status_code


def _url(name: str, world) -> str:
    kwargs = ACCESS[name].kwargs(world) if ACCESS[name].kwargs else {}
    return reverse(name, kwargs=kwargs) + ACCESS[name].query


def outcome_of(client, url: str, post: dict | None, *, audited: bool = True):
    """What one person gets. A page: its GET. A POST-only view: ``OK`` when GET answers 405 and
    the valid POST is accepted: a redirect or a result page, and the change left an audit record. A refusal
    before the method check is the same for GET and POST; one after it is ``POST <status>``, or
    ``REFUSED`` for a redirect that changed nothing (the service's own check said no)."""
    from audit.models import AuditEvent

    answer = observed(client.get(url))
    if post is None:
        return answer
    events = AuditEvent.objects.count()
    posted = observed(client.post(url, post))
    if answer != 405:
        return posted if posted == answer else f"GET {answer} but POST {posted}"
    if posted in (REDIRECT, OK):  # sent on, or a result page (a new secret shown once)
        return OK if not audited or AuditEvent.objects.count() > events else REFUSED
    return f"POST {posted}"


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access(name, world, django_assert_max_num_queries):
    access = ACCESS[name]
    if access.prepare:
        access.prepare(world)
    url = _url(name, world)
    post = access.post(world) if callable(access.post) else access.post
    # Refused roles first, so that an accepted POST cannot change what they see.
    order = sorted(ROLES, key=lambda role: access.outcome(role) == OK)
    seen = {}
    for role in order:
        with django_assert_max_num_queries(access.max_queries):
            seen[role] = outcome_of(client_for(role, world), url, post, audited=access.audited)
    assert seen == access.outcomes, name


def test_the_observer_tells_the_outcomes_apart(world):
    """The matrix can fail: the same URL gives different, correctly named outcomes per person,
    and a POST-only view refused by its service is not counted as accepted."""
    dashboard = reverse("dashboard:index")
    assert outcome_of(client_for("anonymous", world), dashboard, None) == LOGIN
    assert outcome_of(client_for("outsider", world), dashboard, None) == FORBIDDEN
    assert outcome_of(client_for("ministry", world), dashboard, None) == OK
    done = _url("staff:follow_up_done", world)
    assert outcome_of(client_for("staff", world), done, {"done": "1"}) == OK
    assert outcome_of(client_for("member", world), done, {"done": "1"}) == FORBIDDEN
    retry = _url("staff:receipt_retry", world)
    assert outcome_of(client_for("staff", world), retry, {}) == OK
    assert outcome_of(client_for("staff", world), retry, {}) == REFUSED  # nothing left to retry
