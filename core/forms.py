"""Form helpers shared by every app."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.datastructures import MultiValueDict


def formfield_https_urls(field: models.Field, **kwargs):
    """``Meta.formfield_callback`` for model forms: URLs typed without a scheme get https://
    (Django 6's default; replaces the deprecated FORMS_URLFIELD_ASSUME_HTTPS setting)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


# ``ModelAdmin.formfield_overrides`` for admins of models with URL fields: the same https default.
ADMIN_URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


# --- Redirect after a failed POST ----------------------------------------------------------------
# After a failed submit the page is not rendered in answer to the POST: the input and its errors go
# into the session and the browser is sent to the same page with GET, which shows the form again,
# bound, with the same errors (and the error summary). Back and reload never ask to resubmit.
# Forms with a password field are never stored (they are rendered in answer to the POST instead).

FAILED_POST_SESSION_KEY = "_failed_post"


def failed_post_redirect(request, form: forms.BaseForm, *, to: str = "", key: str = "") -> HttpResponseRedirect | None:
    """Keep ``form``'s input and errors for the next GET of this page and redirect there.

    ``to``: the path of the page that shows the form, when the form posts to a URL of its own;
    ``key``: which of several forms on that page failed (``failed_post_restore`` asks for it).
    Returns None, and keeps nothing, for a form with a password or file field: the caller then
    renders the form in answer to the POST as usual.
    """
    if form.is_multipart() or any(isinstance(f.widget, forms.PasswordInput) for f in form.fields.values()):
        return None
    request.session[FAILED_POST_SESSION_KEY] = {
        "path": to or request.path,
        "key": key,
        "data": {name: values for name, values in form.data.lists() if name != "csrfmiddlewaretoken"},
        "errors": {field: [str(message) for message in messages] for field, messages in form.errors.items()},
    }
    return HttpResponseRedirect(to or request.get_full_path())


def failed_post_restore(request, form_class, *, key: str = "", **kwargs) -> forms.BaseForm | None:
    """The form of a failed submit of this page (and ``key``), bound again and with its errors; once, then None."""
    stored = request.session.get(FAILED_POST_SESSION_KEY)
    if not stored or stored.get("path") != request.path or stored.get("key", "") != key:
        return None
    del request.session[FAILED_POST_SESSION_KEY]
    form = form_class(data=MultiValueDict(stored["data"]), **kwargs)
    form.is_valid()
    # Errors the view added after validation (e.g. a domain rule refused the input) come back too.
    for field, messages in stored["errors"].items():
        if field != NON_FIELD_ERRORS and field not in form.fields:
            continue
        present = {str(m) for m in form.errors.get(field, [])}
        for message in messages:
            if message not in present:
                form.add_error(None if field == NON_FIELD_ERRORS else field, message)
    return form


class RedirectAfterFailedPostMixin:
    """For ``FormView``s: an invalid submit redirects to GET, which shows the form with its errors."""

    def get_form(self, form_class=None):
        if self.request.method == "GET":
            restored = failed_post_restore(self.request, form_class or self.get_form_class(), **self.get_form_kwargs())
            if restored is not None:
                return restored
        return super().get_form(form_class)

    def form_invalid(self, form):
        return failed_post_redirect(self.request, form) or super().form_invalid(form)
