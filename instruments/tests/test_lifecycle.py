"""The instrument application's lifecycle (``instruments.lifecycle``) through its services and pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from declarations.constants import Decision
from instruments.conditions import CONDITIONS, NEXT_STEPS, ApplicationFacts
from instruments.constants import ApplicationStatus, FrameworkLevel
from instruments.exceptions import InvalidApplicationState
from instruments.lifecycle import (
    APPLICATION_TRANSITIONS,
    application_actions,
    application_status,
    application_transition_check,
)
from instruments.services import (
    application_confirm_read,
    application_self_assessment_submit,
    follow_up_resolve,
)
from missions.domain_doc import domain_document
from missions.tests.factories import published_text
from tests.factories import StaffUserFactory

from .factories import application_at_level
from .test_services import _sign

GOOD = {"policy": "yes", "risks": "yes", "measures": "yes", "monitoring": "yes", "communication": "yes"}


def _refreshed(application):
    application.refresh_from_db()
    return application.status


def test_the_table_is_what_the_transition_check_enforces():
    for transition in APPLICATION_TRANSITIONS:
        for state in ApplicationStatus.values:
            if state in transition.sources:
                assert application_transition_check(transition.action, state) is transition
            else:
                with pytest.raises(InvalidApplicationState):
                    application_transition_check(transition.action, state)


def test_no_state_and_no_action_refuses_anapplication_at_level():
    assert not {"rejected", "refused", "withdrawn"} & set(ApplicationStatus.values)
    assert all(t.action not in {"reject", "refuse"} for t in APPLICATION_TRANSITIONS)
    # Every applicant action can still be taken while RVO follows up.
    assert {c.action for c in CONDITIONS if c.action} <= application_actions(ApplicationStatus.FOLLOW_UP)


@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_the_status_rule(level):
    met = ApplicationFacts(read_confirmed=True, endorsed=True, self_assessed=True)
    assert application_status(level, met) == ApplicationStatus.COMPLETE
    assert application_status(level, ApplicationFacts(**{**vars(met), "follow_up_open": True})) == "follow_up"
    expected = ApplicationStatus.COMPLETE if level == 0 else ApplicationStatus.OPEN
    assert application_status(level, ApplicationFacts()) == expected


@pytest.mark.django_db
def test_level_two_open_then_follow_up_after_declining_then_complete_after_endorsing():
    published_text(kind="subsidy")
    staff = StaffUserFactory()
    application, user = application_at_level(2)
    assert application.status == ApplicationStatus.OPEN
    application_confirm_read(application=application, actor=user)
    assert _refreshed(application) == ApplicationStatus.OPEN
    _sign(application, user, Decision.NOT_ENDORSED)
    assert _refreshed(application) == ApplicationStatus.FOLLOW_UP
    follow_up_resolve(follow_up=application.follow_ups.get(), actor=staff)
    assert _refreshed(application) == ApplicationStatus.OPEN  # the declaration is still not endorsed
    _sign(application, user)
    assert _refreshed(application) == ApplicationStatus.COMPLETE
    # Complete is the applicant's end: nothing more to sign or submit, reading again changes nothing.
    with pytest.raises(InvalidApplicationState):
        _sign(application, user, Decision.NOT_ENDORSED)
    application_confirm_read(application=application, actor=user)
    assert _refreshed(application) == ApplicationStatus.COMPLETE
    assert not application.follow_ups.filter(resolved_at__isnull=True).exists()


@pytest.mark.django_db
def test_level_four_follows_up_until_rvo_agrees_the_plan():
    published_text(kind="subsidy")
    staff = StaffUserFactory()
    application, user = application_at_level(4)
    assert application.status == ApplicationStatus.FOLLOW_UP
    application_confirm_read(application=application, actor=user)
    _sign(application, user)
    application_self_assessment_submit(application=application, actor=user, answers=GOOD)
    assert _refreshed(application) == ApplicationStatus.FOLLOW_UP
    plan = application.follow_ups.get()
    follow_up_resolve(follow_up=plan, actor=staff)
    assert _refreshed(application) == ApplicationStatus.COMPLETE
    follow_up_resolve(follow_up=plan, actor=staff)  # idempotent
    assert AuditEvent.objects.filter(action="instrument.follow_up_resolve").count() == 1
    with pytest.raises(InvalidApplicationState):
        application_self_assessment_submit(application=application, actor=user, answers=GOOD)
    assert application.self_assessments.count() == 1


@pytest.mark.django_db
def test_the_application_page_offers_the_actions_of_the_state_and_says_what_happens_next(client):
    published_text(kind="subsidy")
    staff = StaffUserFactory()
    application, user = application_at_level(3)
    client.force_login(user)
    url = reverse("instruments:application", args=[application.pk])
    sign_url = reverse("instruments:application_sign", args=[application.pk])
    self_url = reverse("instruments:application_self_assessment", args=[application.pk])
    with translation.override("nl"):
        while_open, when_met = str(NEXT_STEPS[3].while_open), str(NEXT_STEPS[3].when_met)

    page = client.get(url).text
    assert while_open in page and when_met not in page
    assert sign_url in page and self_url in page

    application_confirm_read(application=application, actor=user)
    _sign(application, user)
    application_self_assessment_submit(application=application, actor=user, answers={**GOOD, "risks": "no"})
    assert _refreshed(application) == ApplicationStatus.FOLLOW_UP
    page = client.get(url).text
    assert while_open in page and self_url in page  # a better self-assessment may follow while RVO follows up
    assert sign_url not in page  # endorsed: nothing to sign

    follow_up_resolve(follow_up=application.follow_ups.get(), actor=staff)
    page = client.get(url).text
    assert when_met in page and while_open not in page
    assert self_url not in page and sign_url not in page
    assert client.post(self_url, {**GOOD}).status_code == 302
    assert application.self_assessments.count() == 1  # refused by the lifecycle, shown as a message


def test_docs_domain_md_has_the_application_lifecycle_and_the_conditions_per_level():
    text = domain_document()
    for t in APPLICATION_TRANSITIONS:
        assert f"**{t.action}**" in text and f"`{t.policy}`" in text
    for condition in CONDITIONS:
        assert f"`{condition.key}`" in text
    with translation.override("en"):
        for step in NEXT_STEPS.values():
            assert str(step.when_met) in text and str(step.while_open) in text
