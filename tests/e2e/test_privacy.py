"""A company user looks at everything the portal holds about them, downloads it, and deletes the account."""

import json
import re
from pathlib import Path

from django.core import mail

from accounts.models import User
from declarations.checkpoints import checkpoint_write
from declarations.services import declarations_verify
from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.factories import member_of

PASSWORD = "Veilig-wachtwoord-2026!"


def test_my_data_download_and_account_deletion(page, live_server, settings, transactional_db):
    settings.PORTAL_BASE_URL = live_server.url
    user = member_of(user__full_name="Sanne Verwijder", user__email="sanne@example.org")
    user.set_password(PASSWORD)
    user.save()
    login(page, "sanne@example.org", PASSWORD)

    page.goto("/accounts/profile/")
    page.get_by_role("link", name=re.compile("Mijn gegevens")).click()
    page.wait_for_url("**/accounts/my-data/")
    assert "Sanne Verwijder" in page.content()
    assert_accessible(page, label="my data")
    screenshot(page, "privacy-my-data")
    with page.expect_download() as download_info:
        page.locator("#download-json").click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == "sanne@example.org"

    page.get_by_role("link", name="Mijn account verwijderen").click()
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_understood").check()
    assert_accessible(page, label="delete account")
    page.get_by_role("button", name="Bevestigingslink sturen").click()
    assert "We hebben een link gestuurd naar sanne@example.org" in page.locator("#delete-sent").inner_text()
    link = re.search(r"(http://\S+/accounts/delete/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.locator("#delete-now").click()
    page.wait_for_load_state()
    assert "Uw account is verwijderd" in page.content()

    user = User.objects.get(pk=user.pk)
    assert user.email.endswith("@deleted.invalid") and not user.is_active and user.full_name == ""
    checkpoint_write()  # (beat's hourly checkpoint: the chain starts with its genesis, the audit trail is covered)
    assert declarations_verify().ok
