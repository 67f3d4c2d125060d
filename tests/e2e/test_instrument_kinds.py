"""The instrument applicant's journey in Chromium, once per kind of undertaking and per language
(issue 21, "Done when"): a company member finds the instrument, applies and asks a signatory; the
signatory reads and signs the declaration text of that kind (word for word on the page, in the
receipt PDF and in the e-mail), sees the application in the overview, checks the receipt on
/verify/ and downloads their data. Every page is checked with axe at 1280 and 375 px and for
sideways scrolling at 320 px."""

import re
import subprocess
import unicodedata

import pytest
from django.utils import translation

from declarations.constants import TextKind
from declarations.demo import seed as seed_texts
from declarations.demo import text_body
from declarations.models import Declaration
from declarations.references import verification_code
from instruments.constants import InstrumentKind
from instruments.subjects import TEXT_KIND_OF_INSTRUMENT
from instruments.tests.journey import instrument_at
from notifications.models import OutboxMessage
from tests.e2e.conftest import CHROMIUM_ARGS, assert_accessible, login  # noqa: F401
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory

#: An instrument of every kind, named in Dutch and English; together they cover every ``TextKind``.
INSTRUMENTS = {
    InstrumentKind.SUBSIDY: ("Subsidie circulaire ketens", "Circular chains subsidy"),
    InstrumentKind.LOAN: ("Groeikrediet mkb", "SME growth loan"),
    InstrumentKind.GUARANTEE: ("Garantieregeling export", "Export guarantee scheme"),
    InstrumentKind.TAX: ("Fiscale regeling speurwerk", "Research tax scheme"),
    InstrumentKind.ADVICE: ("Kennisnetwerk verduurzaming", "Sustainability knowledge network"),
    InstrumentKind.MISSION: ("Handelsmissie Vietnam", "Trade mission Vietnam"),
}
MISSION_WORDING = {"nl": "innovatiemissie", "en": "innovation mission"}
UI = {
    "nl": {"verified": "Deze verklaring staat in het register", "overview": "Mijn aanmeldingen en aanvragen"},
    "en": {"verified": "This declaration is in the register", "overview": "My registrations and applications"},
}


def test_every_kind_of_text_is_covered():
    assert {TEXT_KIND_OF_INSTRUMENT[kind] for kind in INSTRUMENTS} == set(TextKind.values)


def _normalised(text: str) -> str:
    """One line, single spaces; a word broken after its hyphen at a line end is joined again."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _unhyphenated(text: str) -> str:
    return text.replace("-", "")


def _blocks(markdown: str) -> list[str]:
    """The paragraphs and list items of a text's markdown source, without the list numbers."""
    blocks = []
    for block in markdown.split("\n\n"):
        lines = block.splitlines()
        if all(re.match(r"\d+\. ", line) for line in lines):
            blocks += [_normalised(re.sub(r"^\d+\.\s+", "", line)) for line in lines]
        else:
            blocks.append(_normalised(block))
    return blocks


def _new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def _to_english(page, language: str) -> None:
    """For the English run: the language link in the header (it keeps the page and its query)."""
    if language == "en":
        page.locator(".language-switch a[hreflang=en]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"


def _step(page, label: str) -> None:
    assert_accessible(page, label=label)  # axe at 1280 and 375 px, no sideways scrolling at 320 px


def _mail(kind: str, to: str) -> OutboxMessage:
    [message] = OutboxMessage.objects.filter(kind=f"instrument_application.{kind}", to=[to])
    return message


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", list(INSTRUMENTS), ids=lambda kind: str(kind.value))
def test_a_company_applies_and_signs_the_text_of_the_instruments_kind(
    browser, live_server, settings, transactional_db, tmp_path, kind, language
):
    settings.PORTAL_BASE_URL = live_server.url
    seed_texts(companies=0, password="", log=lambda line: None)  # every kind, Dutch and English
    name_nl, name_en = INSTRUMENTS[kind]
    instrument = instrument_at(2, kind=kind, name_nl=name_nl, name_en=name_en, code=f"E2E-{kind.value.upper()}")
    name = name_en if language == "en" else name_nl
    undertaking = f"{name} ({instrument.code})"
    text_kind = TEXT_KIND_OF_INSTRUMENT[kind]
    signed = text_body(text_kind, language).replace("{undertaking}", undertaking)
    assert undertaking in signed  # every kind's current text names its undertaking
    organisation = OrganisationFactory(name="Ketenbouw B.V.")
    member = MembershipFactory(
        organisation=organisation,
        role="member",
        is_authorised_signatory=False,
        user__email=f"lid-{kind.value}-{language}@example.org",
        user__full_name="Joost Lid",
        user__language=language,
    ).user
    signatory = MembershipFactory(
        organisation=organisation,
        user__email=f"teken-{kind.value}-{language}@example.org",
        user__full_name="Anna de Vries",
        user__language=language,
    ).user
    reference = f"APP-{kind.value.upper()}-{language.upper()}-1"

    # The member finds the instrument, applies and confirms the IMVO information.
    page = _new_page(browser, live_server)
    login(page, member.email, PASSWORD)
    _to_english(page, language)
    page.goto("/instruments/")
    page.locator("#id_q").fill(name)
    page.locator("form[role=search] [type=submit]").click()
    page.wait_for_load_state()
    _step(page, "search results")
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()
    _step(page, "instrument")
    page.locator("#id_reference").fill(reference)
    page.locator("form[action$='/apply/'] [type=submit]").click()
    page.wait_for_load_state()
    _step(page, "application started")
    page.locator("#id_confirm").check()
    page.locator("form[action$='/confirm-read/'] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#read-done").is_visible()
    assert page.locator("#declaration-text").count() == 0  # a member who cannot sign is not shown the form
    _step(page, "application, information read")

    # ... and, unable to sign, asks the organisation's signatories.
    page.locator("form[action$='/ask-signatory/'] [type=submit]").click()
    page.wait_for_load_state()
    assert signatory.full_name in page.locator("#signature-requests").inner_text()
    _step(page, "signatory asked")
    asked = _mail("signature_requested", signatory.email)
    link = re.search(r"(http://\S+/instruments/applications/\d+/#sign)", asked.body_text).group(1)
    assert link.startswith(live_server.url) and reference in asked.subject

    # The signatory follows the link, logs in and reads the text of this kind of undertaking, word for word.
    signer = _new_page(browser, live_server)
    signer.goto(link)
    assert "/accounts/login/" in signer.url
    _to_english(signer, language)
    signer.locator("#id_username").fill(signatory.email)
    signer.locator("#id_password").fill(PASSWORD)
    signer.locator("main form [type=submit]").first.click()
    signer.wait_for_load_state()
    assert signer.url.split("#")[0] == link.split("#")[0]  # back on the application after logging in
    text = signer.locator("#declaration-text")
    assert text.get_attribute("lang") == language
    shown = [_normalised(t) for t in text.locator("p, li").all_inner_texts()]
    assert shown == _blocks(signed)
    assert text.locator("ol > li").count() == len(re.findall(r"^\d+\. ", signed, re.M))
    assert undertaking in text.inner_text()
    # Only the missions' text speaks of an innovation mission.
    assert (MISSION_WORDING[language] in text.inner_text().lower()) == (text_kind == TextKind.MISSION)
    _step(signer, "the text to sign")
    signer.locator("input[name=decision][value=endorsed]").check()
    signer.locator("#id_signatory_name").fill(signatory.full_name)
    signer.locator("#id_signatory_position").fill("Directeur")
    signer.locator("#id_confirms_authority").check()
    signer.locator("form[action$='/sign/'] [type=submit]").last.click()
    signer.wait_for_load_state()

    # The confirmation: the application's and the declaration's references and the code.
    declaration = Declaration.objects.get(subject_snapshot__reference=reference)
    assert (declaration.text_kind, declaration.text_language) == (text_kind, language)
    assert re.fullmatch(r"IMVO-\d{4}-\d{6}", declaration.reference)
    assert signer.locator("#confirmation-application").inner_text() == reference
    assert signer.locator("#confirmation-reference").inner_text() == declaration.reference
    assert signer.locator("#confirmation-code").inner_text() == verification_code(declaration)
    _step(signer, "confirmation")

    # The receipt PDF holds the text as signed, the instrument and the reference.
    with signer.expect_download() as download:
        signer.locator(f"#confirmation a[href='/declarations/{declaration.pk}/receipt/']").click()
    pdf = tmp_path / "receipt.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    receipt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    receipt = _normalised(receipt)
    # pdftotext joins a word broken at a line end and drops its hyphen ("E2E-" + "SUBSIDY"): compared without hyphens.
    for block in _blocks(signed):
        assert _unhyphenated(block) in _unhyphenated(receipt)
    assert undertaking in receipt and declaration.reference in receipt and reference in receipt

    # The confirmation e-mail to both carries the text as signed, in their language.
    for user in (signatory, member):
        body = _mail("conditions_complete", user.email).body_text
        assert signed in body and declaration.reference in body
        assert ("De tekst zoals ondertekend" if language == "nl" else "The text as signed") in body

    # Both see the application in their overview, with its status, reference and receipt.
    with translation.override(language):
        status = str(declaration.subject.get_status_display())
    for who in (signer, page):
        who.goto("/my/")
        assert who.get_by_role("heading", level=1).inner_text() == UI[language]["overview"]
        row = who.locator("#my-applications tbody tr", has_text=reference)
        assert status in row.inner_text() and name in row.inner_text()
        receipt_link = row.locator(f"a[href='/declarations/{declaration.pk}/receipt/']")
        assert declaration.reference in receipt_link.inner_text()
        _step(who, "overview")
    page.context.close()

    # The prefilled link of the confirmation checks the receipt on /verify/.
    signer.goto(link.split("#")[0])
    signer.locator("#confirmation-verify").click()
    signer.wait_for_load_state()
    result = signer.locator("#verify-result")
    assert result.get_by_role("heading", name=UI[language]["verified"]).is_visible()
    assert result.locator("[data-field=reference]").inner_text() == declaration.reference
    assert undertaking in result.locator("[data-field=undertaking]").inner_text()
    with translation.override(language):
        assert str(TextKind(text_kind).label) in result.locator("[data-field=text-version]").inner_text()
    _step(signer, "verified")

    # The signatory's data: the page and the JSON, with the declaration listed.
    response = signer.goto("/accounts/my-data/")
    assert response.status == 200
    listed = signer.locator("main li", has_text=declaration.reference)
    assert f"({instrument.code})" in listed.inner_text()
    _step(signer, "my data")
    download_url = signer.locator("#download-json").get_attribute("href")
    response = signer.request.get(download_url)
    assert response.status == 200
    [listed] = [d for d in response.json()["declarations"] if d["reference"] == declaration.reference]
    assert listed["subject_type"] == "instrument_application" and listed["undertaking"] == instrument.code
    signer.context.close()
