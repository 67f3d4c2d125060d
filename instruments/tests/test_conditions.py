"""The one table of which level asks which conditions (``instruments.conditions``): boundary tests
through the table, the services, the form and the pages."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from instruments.conditions import (
    CONDITIONS,
    NEXT_STEPS,
    ApplicationFacts,
    conditions_asked,
    conditions_met,
)
from instruments.constants import FrameworkLevel
from instruments.exceptions import ConditionNotAsked
from instruments.forms import LevelForm
from instruments.services import (
    application_confirm_read,
    application_self_assessment_submit,
)
from missions.tests.factories import published_text

from .factories import InstrumentFactory, PhaseFactory, application_at_level
from .test_services import _sign

# Written out by hand from the letter's levels, so that a change to the table shows up here.
ASKED = {
    0: [],
    1: ["read"],
    2: ["read", "declaration"],
    3: ["read", "declaration", "self_assessment"],
    4: ["read", "declaration", "self_assessment", "improvement_plan"],
}

FACT_OF = {
    "read": "read_confirmed",
    "declaration": "endorsed",
    "self_assessment": "self_assessed",
}


@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_each_level_asks_exactly_its_conditions(level):
    assert [c.key for c in conditions_asked(level)] == ASKED[level]


@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_a_level_is_met_by_its_own_conditions_and_by_nothing_less(level):
    everything = ApplicationFacts(**dict.fromkeys(FACT_OF.values(), True))
    nothing = ApplicationFacts(**dict.fromkeys(FACT_OF.values(), False))
    assert conditions_met(level, everything)
    assert conditions_met(level, nothing) is (level == 0)
    only_asked = ApplicationFacts(**{FACT_OF[key]: True for key in ASKED[level] if key in FACT_OF})
    assert conditions_met(level, only_asked)
    for key in ASKED[level]:
        if key in FACT_OF:  # leave one asked condition out: not met
            missing = ApplicationFacts(**{FACT_OF[k]: k != key for k in ASKED[level] if k in FACT_OF})
            assert not conditions_met(level, missing), key
    if level == FrameworkLevel.IMPROVEMENT_PLAN:  # agreed with RVO once no follow-up is open
        assert not conditions_met(level, ApplicationFacts(**{**vars(everything), "follow_up_open": True}))


@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_every_level_says_what_happens_next_in_dutch_and_english(level):
    texts = {}
    for language in ("nl", "en"):
        with translation.override(language):
            texts[language] = (str(NEXT_STEPS[level].when_met), str(NEXT_STEPS[level].while_open))
    assert all(texts["nl"]) and all(texts["en"])
    assert texts["nl"][0] != texts["en"][0] and texts["nl"][1] != texts["en"][1]


ANSWERS = {"policy": "yes", "risks": "yes", "measures": "yes", "monitoring": "yes", "communication": "yes"}


def _fulfil(key, application, user):
    if key == "read":
        return application_confirm_read(application=application, actor=user)
    if key == "declaration":
        return _sign(application, user)
    return application_self_assessment_submit(application=application, actor=user, answers=ANSWERS)


@pytest.mark.django_db
@pytest.mark.parametrize("level", FrameworkLevel.values)
@pytest.mark.parametrize("key", ["read", "declaration", "self_assessment"])
def test_the_services_take_exactly_the_conditions_the_level_asks(level, key):
    published_text(kind="subsidy")
    application, user = application_at_level(level)
    assert application.level == level
    if key in ASKED[level]:
        _fulfil(key, application, user)  # no ConditionNotAsked
    else:
        with pytest.raises(ConditionNotAsked):
            _fulfil(key, application, user)


@pytest.mark.django_db
def test_the_level_form_asks_how_each_condition_relates_to_the_purpose():
    phase = PhaseFactory()
    form = LevelForm(data={"level": 2, "purpose_1": "Doel 1", "purpose_2": "Doel 2", "phase": phase.pk})
    assert form.is_valid(), form.errors
    assert form.purpose_links() == {"1": "Doel 1", "2": "Doel 2", "3": "", "4": ""}
    with translation.override("en"):
        labels = [str(LevelForm().fields[f"purpose_{c.level}"].label) for c in CONDITIONS]
    assert labels[1] == "Condition 2 (The declaration on the OECD Guidelines): relation to the instrument's purpose"


@pytest.mark.django_db
@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_the_instrument_page_lists_the_conditions_of_the_published_level(client, level):
    instrument = InstrumentFactory(published_level=level or None, level_effective_from=date(2020, 1, 1))
    with translation.override("nl"):
        duties = {c.key: capfirst(str(c.duty)) for c in CONDITIONS}
    page = client.get(reverse("instruments:detail", args=[instrument.slug])).text
    for key, duty in duties.items():
        assert (duty in page) is (key in ASKED[level]), (level, key)


@pytest.mark.django_db
@pytest.mark.parametrize("level", FrameworkLevel.values)
def test_the_application_page_shows_exactly_the_conditions_of_its_level(client, level):
    application, user = application_at_level(level)
    client.force_login(user)
    page = client.get(reverse("instruments:application", args=[application.pk])).text
    with translation.override("nl"):
        titles = {c.key: str(c.title) for c in CONDITIONS}
    for key, title in titles.items():
        asked = key in ASKED[level]
        assert (f". {title}</h2>" in page) is asked, (level, key)
    if level:
        assert f"{len(ASKED[level])}. {titles[ASKED[level][-1]]}</h2>" in page
    else:
        assert "alleen om informatie" in page
