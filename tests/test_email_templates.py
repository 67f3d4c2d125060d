"""Every e-mail template, rendered the way the outbox renders it, with names full of characters
that HTML escapes: the text part carries them as typed, an HTML part escapes them."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines

from notifications.models import OutboxMessage
from notifications.services import email_queue

pytestmark = pytest.mark.django_db

NASTY = 'O\'Brien & <i>Zoon</i> "BV"'
ENTITIES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")


def _email_templates() -> list[str]:
    """``app/email/name`` of every ``*_body.txt`` in the template directories of the text engine."""
    found = set()
    for loader in engines["text"].engine.template_loaders:
        for directory in loader.get_dirs():
            for path in Path(directory).rglob("email/*_body.txt"):
                name = path.relative_to(directory).as_posix()
                found.add(name.removesuffix("_body.txt"))
    return sorted(found)


def _person():
    return SimpleNamespace(full_name=NASTY, name=NASTY, email="x@example.org")


def _context() -> dict:
    starts = datetime(2027, 5, 10, 8, 0, tzinfo=UTC)
    mission = SimpleNamespace(title=NASTY, slug="m")
    return {
        "user": _person(),
        "inviter": _person(),
        "requested_by": _person(),
        "participant": _person(),
        "organisation": SimpleNamespace(name=NASTY),
        "mission": mission,
        "instrument": SimpleNamespace(name=NASTY),
        "undertaking": SimpleNamespace(name=NASTY, code="WBSO", reference="MIT-2026-01234"),
        "organisation_name": NASTY,
        "text_kind": "Subsidie",
        "signed_kind": "Innovatiemissie",
        "application": SimpleNamespace(reference="MIT-2026-01234"),
        "declaration": SimpleNamespace(get_decision_display=NASTY),
        "reference": "IMVO-2026-000001",
        "verification_code": "ABCD-EFGH-JKLM",
        "registration": SimpleNamespace(get_status_display=NASTY, waitlist_position=3, mission=mission),
        "session": SimpleNamespace(
            title=NASTY, starts_at=starts, ends_at=starts.replace(hour=10), location=NASTY, online_url=""
        ),
        "agenda": [NASTY, "Risico's in het bestemmingsland"],
        "reason": NASTY,
        "days": 3,
        "old_capacity": 10,
        "new_capacity": 12,
        **{key: f"http://testserver/{key}/?a=1&b=2" for key in _url_names()},
        "uid": "MQ",
        "token": "abc-def",
    }


def _url_names() -> tuple[str, ...]:
    return (
        "login_url",
        "confirm_url",
        "reset_url",
        "registration_url",
        "sign_url",
        "mission_url",
        "accept_url",
        "application_url",
        "verify_url",
        "subject_url",
    )


def test_the_email_templates_are_found():
    names = _email_templates()
    # One per kind of mail; a new one is picked up by the tests below without listing it here.
    assert "accounts/email/password_reset" in names and "staff/email/session_invitation" in names
    assert len(names) >= 16


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("template", _email_templates())
def test_text_part_and_subject_carry_names_literally(template, language):
    message = email_queue(to="x@example.org", template=template, context=_context(), language=language)
    message = OutboxMessage.objects.get(pk=message.pk)
    assert NASTY in message.body_text
    for entity in ENTITIES:
        assert entity not in message.body_text, entity
        assert entity not in message.subject, entity
    # Links keep their query strings intact.
    assert "&amp;b=2" not in message.body_text
    if template.startswith("staff/email/session"):
        assert "Risico's in het bestemmingsland" in message.body_text
    if "{{" in Path(_template_path(template, "subject")).read_text():
        assert NASTY in message.subject


def _template_path(template: str, part: str) -> str:
    return engines["text"].get_template(f"{template}_{part}.txt").origin.name


def test_html_part_escapes_what_the_text_part_keeps(settings, tmp_path):
    folder = tmp_path / "probe" / "email"
    folder.mkdir(parents=True)
    (folder / "hello_subject.txt").write_text("Hallo {{ user.full_name }}")
    (folder / "hello_body.txt").write_text("Beste {{ user.full_name }}, {{ reason }}")
    (folder / "hello_body.html").write_text("<p>Beste {{ user.full_name }}, {{ reason }}</p>")
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]} for engine in settings.TEMPLATES]
    message = email_queue(
        to="x@example.org", template="probe/email/hello", context={"user": _person(), "reason": NASTY}
    )
    assert message.subject == f"Hallo {NASTY}"
    assert message.body_text == f"Beste {NASTY}, {NASTY}"
    assert NASTY not in message.body_html
    assert "O&#x27;Brien &amp; &lt;i&gt;Zoon&lt;/i&gt; &quot;BV&quot;" in message.body_html


def test_every_html_part_escapes_names():
    for template in _email_templates():
        try:
            engines["django"].get_template(f"{template}_body.html")
        except Exception:  # the HTML part is optional
            continue
        message = email_queue(to="x@example.org", template=template, context=_context())
        assert NASTY not in message.body_html
        assert "&lt;i&gt;" in message.body_html


def test_links_in_mails_come_from_portal_base_url_only():
    """No mail builds a link from the request (Django's ``protocol``/``domain``): PORTAL_BASE_URL is
    put in front of every path by the service that queues the mail."""
    for template in _email_templates():
        source = Path(_template_path(template, "body")).read_text()
        assert "{{ protocol" not in source and "{{ domain" not in source and "{% url" not in source, template


@pytest.mark.parametrize("template", _email_templates())
def test_text_templates_are_plain_text_whichever_engine_renders_them(template):
    """Belt and braces: every text template also says ``{% autoescape off %}``, so even a caller that
    renders it with the HTML engine (``render_to_string`` without ``using``) gets the text as typed."""
    from django.template.loader import render_to_string

    for part in ("subject", "body"):
        rendered = render_to_string(f"{template}_{part}.txt", _context(), using="django")
        for entity in ENTITIES:
            assert entity not in rendered, (part, entity)
