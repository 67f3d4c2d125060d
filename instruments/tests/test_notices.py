"""After the conditions: the confirmation on the page and by e-mail, and a member who cannot sign
asking the organisation's signatories (with the reminder the mission flow also gives)."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from declarations.constants import Decision, TextKind
from declarations.demo import text_body
from declarations.references import verification_code
from declarations.services import DeclarationInput, declaration_text_publish
from declarations.subjects import text_for
from instruments.constants import InstrumentKind
from instruments.exceptions import NoSignatory, SignatoryCanSign, SignatureAlreadyRequested, SignatureNotNeeded
from instruments.models import SignatureRequest
from instruments.services import (
    application_confirm_read,
    application_declaration_sign,
    application_self_assessment_submit,
    signature_reminders_send,
    signature_request_create,
)
from missions.tests.factories import published_text
from notifications.models import OutboxMessage
from notifications.services import outbox_message_send
from organisations.models import Membership
from organisations.policies import NotAllowed
from tests.factories import MembershipFactory, UserFactory

from .journey import started

pytestmark = pytest.mark.django_db

ENDORSE = {"decision": Decision.ENDORSED, "signatory_name": "Petra de Vries", "signatory_position": "Directeur"}


def _sign(application, signer, **answer):
    return application_declaration_sign(
        application=application,
        actor=signer,
        answer=DeclarationInput(**{**ENDORSE, **answer}, confirms_authority=True),
    )


def _member(application, language="nl"):
    return MembershipFactory(
        organisation=application.organisation, role="member", is_authorised_signatory=False, user__language=language
    ).user


def _mails(kind):
    return list(OutboxMessage.objects.filter(kind=f"instrument_application.{kind}").order_by("pk"))


# --- the confirmation by e-mail ---------------------------------------------------------------


def test_completing_the_conditions_mails_the_applicant_and_the_signatory_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    published_text(kind="subsidy")
    application, signer = started(2, name_nl="Innovatiekrediet", name_en="Innovation credit")
    applicant = _member(application, language="en")
    application.created_by = applicant
    application.save(update_fields=["created_by"])
    application_confirm_read(application=application, actor=applicant)
    assert not _mails("conditions_complete")  # the declaration is still missing
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application = _sign(application, signer)
    # Queued inside the transaction; the worker is asked to send only once it has committed.
    assert len(callbacks) >= 2
    declaration = application.current_declaration
    code = verification_code(declaration)
    mails = {tuple(m.to): m for m in _mails("conditions_complete")}
    assert set(mails) == {(applicant.email,), (signer.email,)}
    english, dutch = mails[(applicant.email,)], mails[(signer.email,)]
    assert english.subject == "IMVO conditions complete: Innovation credit (MIT-2026-01234)"
    assert dutch.subject == "IMVO-voorwaarden vervuld: Innovatiekrediet (MIT-2026-01234)"
    page = settings.PORTAL_BASE_URL + reverse("instruments:application", args=[application.pk])
    for message in (english, dutch):
        # The code and the link carrying it are filled in only as the e-mail is sent.
        assert declaration.reference in message.body_text and code not in message.body_text
        assert outbox_message_send(message_id=message.pk)
        sent = django_mail.outbox[-1].body
        assert declaration.reference in sent and code in sent
        assert "MIT-2026-01234" in sent and page in sent
        assert f"/verify/?reference={declaration.reference}&code={code}" in sent
        message.refresh_from_db()
        assert code not in message.body_text
    # The signing completed the conditions: the confirmation carries the declaration, no second mail.
    assert not _mails("declaration_recorded")
    # Idempotent: a repeated confirmation sends nothing again.
    application_confirm_read(application=application, actor=applicant)
    assert len(_mails("conditions_complete")) == 2


def test_a_declaration_before_the_other_conditions_gets_its_own_mail_then_the_confirmation():
    published_text(kind="subsidy")
    application, signer = started(3)
    application = _sign(application, signer)
    [recorded] = _mails("declaration_recorded")
    assert recorded.to == [signer.email] and application.current_declaration.reference in recorded.body_text
    application_confirm_read(application=application, actor=signer)
    assert not _mails("conditions_complete")
    answers = dict.fromkeys(("policy", "risks", "measures", "monitoring", "communication"), "yes")
    application_self_assessment_submit(application=application, actor=signer, answers=answers)
    [complete] = _mails("conditions_complete")
    assert complete.to == [signer.email]


def test_the_mails_after_signing_carry_the_text_as_signed_in_the_language_it_was_signed_in():
    """A signatory who reads English signs the English subsidy text; the Dutch applicant's mail
    is in Dutch around it, but the declaration text in it is the English one that was signed."""
    texts = {
        language: declaration_text_publish(
            version=1, language=language, kind=TextKind.SUBSIDY, body=text_body(TextKind.SUBSIDY, language)
        )
        for language in ("nl", "en")
    }
    application, signer = started(2, kind=InstrumentKind.SUBSIDY, name_nl="Groeiregeling", name_en="Growth scheme")
    signer.language = "en"
    signer.save(update_fields=["language"])
    applicant = _member(application, language="nl")
    application.created_by = applicant
    application.save(update_fields=["created_by"])
    application_confirm_read(application=application, actor=applicant)
    application = _sign(application, signer, text_id=texts["en"].pk)
    undertaking = application.current_declaration.undertaking
    signed = text_for(texts["en"].body, undertaking, language="en")
    assert "Growth scheme (" + application.instrument.code + ")" in signed
    mails = {tuple(m.to): m.body_text for m in _mails("conditions_complete")}
    english, dutch = mails[(signer.email,)], mails[(applicant.email,)]
    assert "The text as signed:\n\n" + signed + "\n" in english
    assert "De tekst zoals ondertekend:\n\n" + signed + "\n" in dutch
    assert text_for(texts["nl"].body, undertaking, language="nl") not in dutch


def test_a_declaration_recorded_mail_carries_the_text_as_signed():
    text = declaration_text_publish(
        version=1, language="nl", kind=TextKind.FINANCE, body=text_body(TextKind.FINANCE, "nl")
    )
    application, signer = started(3, kind=InstrumentKind.LOAN, name_nl="Groeifaciliteit")
    application = _sign(application, signer)
    [recorded] = _mails("declaration_recorded")
    signed = text_for(text.body, application.current_declaration.undertaking, language="nl")
    assert "Groeifaciliteit (" in signed and "De tekst zoals ondertekend:\n\n" + signed + "\n" in recorded.body_text


def test_level_one_is_confirmed_without_a_receipt_and_level_zero_sends_nothing():
    application, user = started(1)
    application_confirm_read(application=application, actor=user)
    [complete] = _mails("conditions_complete")
    assert "MIT-2026-01234" in complete.body_text and not re.search(r"IMVO-\d{4}-", complete.body_text)
    started(0, reference="MIT-2026-0")
    assert len(_mails("conditions_complete")) == 1


# --- the confirmation on the page ------------------------------------------------------------


def test_the_page_confirms_with_the_references_the_code_the_receipt_and_a_prefilled_check(client):
    published_text(kind="subsidy")
    application, signer = started(2)
    client.force_login(signer)
    url = reverse("instruments:application", args=[application.pk])
    assert 'id="confirmation"' not in client.get(url).text
    client.post(reverse("instruments:application_read", args=[application.pk]), {"confirm": "on"})
    assert 'id="confirmation"' not in client.get(url).text  # the declaration is still missing
    answer = {**ENDORSE, "confirms_authority": "on"}
    client.post(reverse("instruments:application_sign", args=[application.pk]), answer)
    application.refresh_from_db()
    declaration = application.current_declaration
    page = client.get(url).text
    block = page[page.index('id="confirmation"') :]
    block = block[: block.index("</section>")]
    assert "MIT-2026-01234" in block and declaration.reference in block
    assert verification_code(declaration) in block
    assert reverse("declarations:receipt", args=[declaration.pk]) in block
    verify = urlparse(block.split('id="confirmation-verify" href="')[1].split('"')[0].replace("&amp;", "&"))
    assert verify.path == reverse("verify")
    assert parse_qs(verify.query) == {"reference": [declaration.reference], "code": [verification_code(declaration)]}
    # The prefilled link checks the receipt straight away.
    assert client.get(f"{verify.path}?{verify.query}").context["result"].declaration == declaration


# --- asking a signatory -----------------------------------------------------------------------


def test_a_member_who_cannot_sign_asks_every_active_signatory_once_a_day(client):
    published_text(kind="subsidy")
    application, signer = started(2)
    second = MembershipFactory(organisation=application.organisation, role="member").user
    MembershipFactory(organisation=application.organisation, user__is_active=False)  # no mail to a closed account
    member = _member(application)
    client.force_login(member)
    url = reverse("instruments:application", args=[application.pk])
    page = client.get(url).text
    assert "Vraag een tekenbevoegde om te ondertekenen" in page
    response = client.post(reverse("instruments:application_ask", args=[application.pk]))
    assert response.status_code == 302 and response.url == f"{url}#sign"
    mails = _mails("signature_requested")
    assert sorted(m.to[0] for m in mails) == sorted([signer.email, second.email])
    sign_url = settings.PORTAL_BASE_URL + url + "#sign"
    assert all(sign_url in m.body_text and member.full_name in m.body_text for m in mails)
    event = AuditEvent.objects.get(action="instrument.signature_request")
    assert event.actor_id == member.pk and sorted(event.details["recipients"]) == sorted([signer.pk, second.pk])
    # The page says who was asked and when; asking again today sends nothing.
    page = client.get(url).text
    asked = page[page.index('id="signature-requests"') :]
    assert signer.full_name in asked and second.full_name in asked and member.full_name in asked
    assert "Vraag een tekenbevoegde om te ondertekenen" not in page and "morgen opnieuw" in page
    client.post(reverse("instruments:application_ask", args=[application.pk]))
    assert len(_mails("signature_requested")) == 2 and SignatureRequest.objects.count() == 1
    # A signatory sees the form to sign, not the button.
    client.force_login(signer)
    page = client.get(url).text
    assert "Vraag een tekenbevoegde" not in page and reverse("instruments:application_sign", args=[application.pk])


def test_the_service_refuses_what_the_button_does_not_offer():
    published_text(kind="subsidy")
    application, signer = started(2)
    member = _member(application)
    with pytest.raises(SignatoryCanSign):
        signature_request_create(application=application, actor=signer)
    signature_request_create(application=application, actor=member)
    with pytest.raises(SignatureAlreadyRequested):
        signature_request_create(application=application, actor=member)
    today = timezone.localdate()
    SignatureRequest.objects.update(requested_on=today - timedelta(days=1))
    signature_request_create(application=application, actor=member)  # another day: allowed again
    _sign(application, signer)
    SignatureRequest.objects.filter(requested_on=today).update(requested_on=today - timedelta(days=2))
    with pytest.raises(SignatureNotNeeded):
        signature_request_create(application=application, actor=member)
    lonely, admin = started(2, reference="MIT-2026-9")
    Membership.objects.filter(user=admin).update(is_authorised_signatory=False)
    with pytest.raises(NoSignatory):
        signature_request_create(application=lonely, actor=admin)
    stranger = UserFactory()
    with pytest.raises(NotAllowed):
        signature_request_create(application=application, actor=stranger)


def test_a_level_without_a_declaration_offers_no_button(client):
    application, user = started(1)
    member = _member(application)
    client.force_login(member)
    assert "Vraag een tekenbevoegde" not in client.get(reverse("instruments:application", args=[application.pk])).text


def test_signatories_are_reminded_once_after_three_days_while_the_declaration_is_missing():
    published_text(kind="subsidy")
    application, signer = started(2)
    member = _member(application)
    signature_request_create(application=application, actor=member)
    assert signature_reminders_send() == 0  # not due yet
    later = timezone.now() + timedelta(days=3, minutes=1)
    assert signature_reminders_send(now=later) == 1
    assert signature_reminders_send(now=later) == 0  # beat ran twice: still one reminder
    [reminder] = _mails("signature_reminder")
    assert reminder.to == [signer.email] and "Herinnering" in reminder.subject
    # Signed in the meantime: no reminder.
    other, _ = started(2, user=signer, reference="MIT-2026-5")
    signature_request_create(application=other, actor=member)
    _sign(other, signer)
    assert signature_reminders_send(now=later) == 0


def test_beat_runs_the_instrument_reminders():
    from instruments.tasks import send_signature_reminders

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "instruments.tasks.send_signature_reminders" in schedule
    assert send_signature_reminders.name == "instruments.tasks.send_signature_reminders"


def test_a_declined_declaration_is_mailed_with_what_happens_instead():
    published_text(kind="subsidy")
    application, signer = started(2)
    application_confirm_read(application=application, actor=signer)
    _sign(application, signer, decision=Decision.NOT_ENDORSED, explanation="Nog geen beleid.")
    [recorded] = _mails("declaration_recorded")
    assert ": Nog niet onderschreven." in recorded.body_text
    assert "Uw aanvraag verandert hierdoor niet" in recorded.body_text
    assert "andere IMVO-voorwaarden" not in recorded.body_text
    assert not _mails("conditions_complete")


def test_the_application_page_reads_its_requests_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    published_text(kind="subsidy")
    application, _signer = started(2)
    member = _member(application)
    for days in range(5):
        MembershipFactory(organisation=application.organisation)
        request = signature_request_create(application=application, actor=member)
        SignatureRequest.objects.filter(pk=request.pk).update(
            requested_on=timezone.localdate() - timedelta(days=days + 1)
        )
    client.force_login(member)
    url = reverse("instruments:application", args=[application.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as captured:
        page = client.get(url).text
    assert page.count("Gevraagd op") == 5
    few = len(captured)
    signature_request_create(application=application, actor=member)
    with django_assert_max_num_queries(few):
        assert client.get(url).text.count("Gevraagd op") == 6
