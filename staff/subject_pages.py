"""Which staff page shows the subject of a declaration (one table, by subject type)."""

from django.urls import reverse

from declarations.subjects import subject_of
from instruments.subjects import ApplicationSubject
from missions.subjects import RegistrationSubject


def _registration_page(declaration) -> str:
    return reverse("staff:registration_detail", args=[declaration.subject_id])


def _application_page(declaration) -> str:
    application = subject_of(declaration)
    return reverse("staff:instrument_detail", args=[application.instrument_id]) if application else ""


STAFF_SUBJECT_PAGES = {
    RegistrationSubject.key: _registration_page,
    ApplicationSubject.key: _application_page,
}


def staff_subject_url(declaration) -> str:
    """The staff page of what ``declaration`` was made about ("" if none)."""
    page = STAFF_SUBJECT_PAGES.get(declaration.subject_type)
    return page(declaration) if page else ""
