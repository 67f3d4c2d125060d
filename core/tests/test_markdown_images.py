"""Staff-entered images without alternative text (WCAG 1.1.1): refused in the editors with a message
that says how to fix it, and dropped when rendered (older texts, texts written outside the editors),
so that none reaches a public page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from brochures.constants import VersionStatus
from brochures.models import BrochureVersion
from brochures.tests.factories import published_brochure
from core.markdown import markdown_images_without_alt, markdown_to_safe_html, validate_markdown_size
from missions.constants import MissionStatus
from missions.models import Mission
from missions.tests.factories import MissionFactory
from tests.factories import StaffUserFactory
from tests.mfa import login_staff

pytestmark = pytest.mark.django_db

PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def img_tags(html: str) -> list[str]:
    import re

    return re.findall(r"<img\b[^>]*>", html)


@pytest.mark.parametrize(
    "text",
    [
        f"![]({PNG})",
        f"![ ]({PNG})",
        f'![]({PNG} "titel")',
        f"[![]({PNG})](https://example.org)",
        f"![][kaart]\n\n[kaart]: {PNG}",
    ],
)
def test_an_image_without_alt_text_is_found_and_dropped(text):
    assert markdown_images_without_alt(text) == [PNG]
    assert img_tags(markdown_to_safe_html(text)) == []


def test_an_image_with_alt_text_passes_both():
    text = f"![Kaart van de regio]({PNG})"
    assert markdown_images_without_alt(text) == []
    validate_markdown_size(text)
    assert len(img_tags(markdown_to_safe_html(text))) == 1


def test_the_validator_names_the_image_and_says_how_to_describe_it():
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        validate_markdown_size(f"Tekst ![]({PNG}) en ![](/static/kaart.png)")
    message = " ".join(caught.value.messages)
    assert "2 afbeeldingen" in message and "alternatieve tekst" in message
    assert "![](/static/kaart.png)" in message
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_markdown_size(f"![]({PNG})")
    assert "An image has no alternative text" in caught.value.messages[0]


def test_public_mission_page_shows_no_image_without_alt_even_from_older_text(client):
    mission = MissionFactory(status=MissionStatus.PUBLISHED)
    # Written before the editor refused it (or straight into the database): the page still drops it.
    Mission.objects.filter(pk=mission.pk).update(description_nl=f"Voor ![]({PNG}) midden ![Kaart van Japan]({PNG}) na")
    response = client.get(reverse("missions:detail", args=[mission.slug]), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    images = img_tags(response.text)
    assert len(images) == 1 and 'alt="Kaart van Japan"' in images[0]
    assert "Voor" in response.text and "na" in response.text


def test_staff_mission_editor_refuses_an_image_without_alt(client):
    login_staff(client, StaffUserFactory())
    today = timezone.localdate()
    data = {
        "title_nl": "Waterstof Japan",
        "title_en": "Hydrogen Japan",
        "slug": "waterstof-alt",
        "summary_nl": "Kort",
        "summary_en": "Short",
        "description_nl": f"Zie de kaart: ![]({PNG})",
        "description_en": "Long",
        "country": "JP",
        "theme": "energy",
        "starts_on": today + timedelta(days=50),
        "ends_on": today + timedelta(days=55),
        "registration_opens_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "registration_closes_at": f"{today + timedelta(days=20)}T17:00",
        "capacity_min": 5,
        "capacity_max": 15,
    }
    response = client.post(reverse("staff:mission_create"), data)
    assert response.status_code == 200
    assert "heeft geen alternatieve tekst" in response.text
    assert not Mission.objects.filter(slug="waterstof-alt").exists()
    data["description_nl"] = f"Zie de kaart: ![Kaart van Japan met de route]({PNG})"
    assert client.post(reverse("staff:mission_create"), data).status_code == 302
    assert Mission.objects.filter(slug="waterstof-alt").exists()


def test_brochure_editor_refuses_an_image_without_alt(client):
    published_brochure()
    login_staff(client, StaffUserFactory())
    content = f"## Hoofdstuk\n\nTekst met ![]({PNG}) erin."
    response = client.post(
        reverse("brochures:edit", args=["imvo", "nl"]), {"title": "Nieuw", "summary": "", "content": content}
    )
    assert response.status_code == 200 and "heeft geen alternatieve tekst" in response.text
    assert not BrochureVersion.objects.filter(status=VersionStatus.DRAFT).exists()
