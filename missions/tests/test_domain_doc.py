from pathlib import Path

from django.conf import settings

from missions.domain_doc import DOCUMENT, domain_document
from missions.lifecycle import LIFECYCLES


def test_docs_domain_md_is_generated_from_the_code():
    """Change a lifecycle or a policy, then run `python manage.py domain_doc --write`."""
    assert Path(settings.BASE_DIR, DOCUMENT).read_text(encoding="utf-8") == domain_document()


def test_the_document_names_every_transition():
    text = domain_document()
    for transitions in LIFECYCLES.values():
        for t in transitions:
            assert f"**{t.action}**" in text and f"`{t.policy}`" in text
