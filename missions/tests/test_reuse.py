"""Re-using an earlier endorsement (issue 11, item 3): never misleading evidence.

A valid re-use names the acting signatory and the earlier record in the hashed record; a re-use
that stopped qualifying (also between the wizard and the submit) writes nothing and asks for a
fresh signature.
"""

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from declarations.exceptions import ReuseNoLongerValid
from declarations.hashing import record_data, record_hash
from declarations.models import Declaration
from declarations.selectors import declaration_reusable_for
from declarations.services import declarations_verify, receipt_render
from missions.constants import RegistrationStatus as S
from missions.models import Registration
from missions.services import registration_submit, registration_withdraw
from tests.factories import member_of

from .factories import MissionFactory, draft_ready, endorse_answer, published_text

pytestmark = pytest.mark.django_db


def _signed(text, organisation=None):
    user = member_of(organisation)
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text))
    return user, registration_submit(registration=registration, actor=user).current_declaration


def _start_reuse(client, user, organisation, earlier, *, position="Directeur innovatie"):
    """Through the wizard up to step 5 with the re-use chosen; returns (registration, base URL)."""
    client.force_login(user)
    mission = MissionFactory()
    client.post(f"/missions/{mission.slug}/register/", {"organisation": organisation.pk})
    registration = Registration.objects.get(mission=mission, organisation=organisation)
    base = f"/missions/{mission.slug}/register/{registration.pk}/step"
    client.post(
        f"{base}/2/",
        {"p1_name": "Anna", "p1_email": "anna@example.org", "p1_position": "CTO", "motivation": "Ja", "action": "next"},
    )
    client.post(f"{base}/3/", {"action": "next"})
    response = client.post(
        f"{base}/4/", {"action": "reuse", "reused_from": str(earlier.pk), "reuse_position": position}
    )
    assert response.status_code == 302 and response.url.endswith("/step/5/")
    return registration, base


def test_a_colleague_reuses_the_endorsement_under_their_own_name_and_the_record_links_both(client):
    text = published_text()
    first_signatory, earlier = _signed(text)
    organisation = earlier.organisation
    colleague = member_of(organisation, user__full_name="Karel Colleague")
    registration, base = _start_reuse(client, colleague, organisation, earlier, position="CFO")
    step5 = client.get(f"{base}/5/").content.decode()
    assert "Karel Colleague, CFO" in step5 and earlier.personal.signatory_name not in step5
    step4_offer = client.get(f"{base}/4/").content.decode()
    assert 'name="reuse_position"' in step4_offer and 'value="Directeur"' not in step4_offer  # not copied
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    record = registration.current_declaration
    assert registration.status == S.CONFIRMED
    # the acting user and the record it rests on, both in the hashed record
    assert record.user == colleague and record.reused_from == earlier
    data = record_data(record)
    assert data["user_id"] == colleague.pk and data["reused_from_id"] == earlier.pk
    assert record.record_hash == record_hash(record)
    # the signatory named in the new record is the person who acted, never the earlier signatory
    assert record.personal.signatory_name == "Karel Colleague" and record.personal.signatory_position == "CFO"
    assert earlier.user == first_signatory
    assert declarations_verify().ok
    # the receipt says what the record rests on
    receipt_render(receipt_id=record.receipt.pk)
    record.receipt.refresh_from_db()
    content = default_storage.open(record.receipt.file_name).read()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", " ")
    assert "Berust op" in text and earlier.reference in text and "Karel Colleague, CFO" in text


def test_the_reuse_needs_the_position_of_the_acting_signatory(client):
    text = published_text()
    _user, earlier = _signed(text)
    colleague = member_of(earlier.organisation)
    client.force_login(colleague)
    mission = MissionFactory()
    client.post(f"/missions/{mission.slug}/register/", {"organisation": earlier.organisation.pk})
    registration = Registration.objects.get(mission=mission)
    base = f"/missions/{mission.slug}/register/{registration.pk}/step"
    client.post(
        f"{base}/2/",
        {"p1_name": "Anna", "p1_email": "anna@example.org", "p1_position": "CTO", "motivation": "Ja", "action": "next"},
    )
    client.post(f"{base}/3/", {"action": "next"})
    response = client.post(f"{base}/4/", {"action": "reuse", "reused_from": str(earlier.pk), "reuse_position": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    registration.refresh_from_db()
    assert not registration.draft_data.get("declaration")


def test_the_earlier_declaration_withdrawn_between_wizard_and_submit_writes_nothing_and_asks_to_sign_again(client):
    text = published_text()
    first_signatory, earlier = _signed(text)
    organisation = earlier.organisation
    registration, base = _start_reuse(client, first_signatory, organisation, earlier)
    # Meanwhile a colleague withdraws the registration the endorsement belongs to.
    registration_withdraw(registration=earlier.subject, actor=first_signatory, reason="Gaan niet")
    records_before = Declaration.objects.count()
    response = client.post(f"{base}/5/", {"action": "submit"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/step/4/")
    assert "kan niet meer opnieuw worden gebruikt" in page  # the translated message, in Dutch
    assert Declaration.objects.count() == records_before  # nothing written
    registration.refresh_from_db()
    assert registration.status == S.DRAFT and registration.current_declaration is None
    assert not registration.draft_data.get("declaration")  # the re-used answer is gone: sign afresh
    assert 'name="reused_from"' not in page  # and no re-use is offered any more
    response = client.post(
        f"{base}/4/",
        {
            "decision": "endorsed",
            "signatory_name": "Petra",
            "signatory_position": "Directeur",
            "confirms_authority": "on",
            "action": "next",
        },
    )
    client.post(f"{base}/5/", {"action": "submit"})
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED and registration.current_declaration.reused_from is None


def test_the_service_refuses_a_reuse_that_no_longer_qualifies_and_rolls_everything_back(settings):
    text = published_text()
    user, earlier = _signed(text)
    registration = draft_ready(
        mission=MissionFactory(),
        user=user,
        organisation=earlier.organisation,
        answer=endorse_answer(text, reused_from_id=earlier.pk),
    )
    count = Declaration.objects.count()
    settings.DECLARATION_REUSE_DAYS = 0  # the earlier endorsement is now outside the re-use window
    with pytest.raises(ReuseNoLongerValid):
        registration_submit(registration=registration, actor=user)
    registration.refresh_from_db()
    assert Declaration.objects.count() == count
    assert registration.status == S.DRAFT and registration.draft_data["declaration"]["reused_from_id"] == earlier.pk


def test_another_organisations_or_a_declined_record_cannot_be_reused():
    text = published_text()
    _user, foreign = _signed(text)
    user = member_of()
    registration = draft_ready(
        mission=MissionFactory(), user=user, answer=endorse_answer(text, reused_from_id=foreign.pk)
    )
    with pytest.raises(ReuseNoLongerValid):
        registration_submit(registration=registration, actor=user)
    assert not Declaration.objects.filter(organisation=registration.organisation).exists()


def test_only_current_fresh_endorsements_qualify():
    text = published_text()
    user, earlier = _signed(text)
    organisation = earlier.organisation
    assert declaration_reusable_for(organisation=organisation, text=text) == earlier
    reuse = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(text, reused_from_id=earlier.pk))
    registration_submit(registration=reuse, actor=user)
    reuse.refresh_from_db()
    assert reuse.current_declaration.reused_from == earlier
    # a re-use is never itself the basis of another re-use (the window counts from a real signature)
    assert declaration_reusable_for(organisation=organisation, text=text) == earlier
    registration_withdraw(registration=earlier.subject, actor=user, reason="Weg")
    assert declaration_reusable_for(organisation=organisation, text=text) is None
    assert declaration_reusable_for(organisation=organisation, text=published_text(version=2)) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_committed_while_the_reuse_is_being_written_wins_and_nothing_is_written():
    """The withdrawal holds the chain lock; the re-use record waits for it and, once the withdrawal
    is committed, is refused: ``declaration_record`` repeats the check under the chain lock."""
    import threading
    import time

    from django.db import transaction

    from declarations.services import declaration_record
    from tests.races import run_concurrently

    text = published_text()
    user, earlier = _signed(text)
    registration = draft_ready(mission=MissionFactory(), user=user, organisation=earlier.organisation)
    locked = threading.Event()

    def withdraw():
        with transaction.atomic():
            registration_withdraw(registration=earlier.subject, actor=user, reason="Gaan niet")
            locked.set()  # the chain lock is held until this transaction commits
            time.sleep(1.0)

    def reuse():
        assert locked.wait(timeout=30)
        with transaction.atomic():
            declaration_record(
                subject=registration,
                actor=user,
                text=text,
                decision="endorsed",
                signatory_name=user.full_name,
                signatory_position="Directeur",
                confirms_authority=True,
                reused_from=earlier,  # qualified when the caller looked, before the lock
            )

    # The racers order themselves through ``locked``; a barrier would add nothing.
    withdrawn, reused = run_concurrently([withdraw, reuse], timeout=60, start_together=False)
    assert withdrawn is None
    assert isinstance(reused, ReuseNoLongerValid)
    assert not Declaration.objects.for_subject(registration).exists()
    assert declarations_verify().ok
