"""Every form where a person types a reason says that the text is kept, how long, and that it is
erased afterwards (issue 23, item 4); the privacy page states the same period."""

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard.tests.helpers import make_mission, register
from declarations.typed_text import typed_text_notice
from instruments.forms import InstrumentDeclarationForm
from missions.forms import DeclarationForm, WithdrawForm
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db

DAYS = 1234


@pytest.fixture(autouse=True)
def _period(settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "declaration_personal_data": DAYS}


def test_the_notice_names_the_period_from_the_settings_in_the_active_language():
    with translation.override("en"):
        notice = typed_text_notice()
    assert f"{DAYS} days" in notice and "erase" in notice and "apart from the evidence" in notice


@pytest.mark.parametrize(
    "form, field",
    [(WithdrawForm, "reason"), (DeclarationForm, "explanation"), (InstrumentDeclarationForm, "explanation")],
)
def test_company_forms_state_how_long_the_typed_text_is_kept(form, field):
    with translation.override("en"):
        assert typed_text_notice() in str(form.base_fields[field].help_text)


def test_staff_reason_fields_state_how_long_the_text_is_kept(client, settings):
    login_staff(client, StaffUserFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    registration = register(make_mission(), decision=None, status="held_for_review")
    mission = make_mission()
    with translation.override("en"):
        notice = typed_text_notice()
    for url in (
        reverse("staff:registration_detail", args=[registration.pk]),
        reverse("staff:mission_detail", args=[mission.pk]),
    ):
        body = client.get(url).content.decode()
        assert f'reason-kept">{notice}</div>' in body, url


def test_the_privacy_page_states_the_retention_of_typed_reasons(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("privacy")).content.decode()
    assert 'id="retention-typed-text"' in body and f"{DAYS} days" in body
