"""The error summary of base.html: every form page, after a failed submit (GOV.UK / NL Design System)."""

import re

import pytest
from django import forms
from django.urls import reverse

from core.templatetags.portal_forms import SummaryError, collect_errors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _summary(page: str) -> str:
    match = re.search(r'<div class="error-summary[^>]*>.*?</div>', page, re.S)
    return match.group(0) if match else ""


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def test_a_failed_login_shows_the_summary_first_and_says_so_in_the_title(client):
    page = client.post(reverse("accounts:login"), {"username": "", "password": ""}).content.decode()
    summary = _summary(page)
    assert _title(page).startswith("Fout: ")
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert "<h2" in summary and "Er is een probleem" in summary
    assert 'href="#id_username"' in summary and 'href="#id_password"' in summary
    # The summary comes before the page's own heading and the form.
    assert page.index("error-summary") < page.index("<h1") < page.index("<form", page.index("<main"))
    assert "js/forms.js" in page  # moves focus to it


def test_in_english_too(client):
    client.cookies["django_language"] = "en"
    page = client.post(reverse("accounts:signup"), {"email": "not-an-email"}).content.decode()
    assert _title(page).startswith("Error: ") and "There is a problem" in _summary(page)
    assert 'href="#id_email"' in _summary(page)


def test_a_page_without_a_failed_form_has_no_summary(client):
    for url in (reverse("accounts:login"), reverse("accounts:signup"), "/"):
        page = client.get(url).content.decode()
        assert not _summary(page) and not _title(page).startswith("Fout")


def test_a_get_filter_with_an_invalid_value_is_no_failed_submit(client):
    page = client.get("/missions/", {"theme": "no-such-theme"}).content.decode()
    assert not _summary(page)


def test_a_form_wide_error_is_listed_without_a_link_and_field_errors_link_to_their_field():
    class Form(forms.Form):
        name = forms.CharField()
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        secret = forms.CharField(widget=forms.HiddenInput)

        def clean(self):
            raise forms.ValidationError("Everything is wrong.")

    errors = collect_errors([Form(data={}), "not a form", [Form(data={"name": "x"})]])
    assert errors[0] == SummaryError("Everything is wrong.")
    ids = [e.field_id for e in errors]
    assert "id_name" in ids and "id_kind_0" in ids
    # A hidden field has nothing to focus: listed without a link.
    assert not any(e.field_id == "id_secret" for e in errors)
    # An unbound form has no errors to show.
    assert collect_errors([Form()]) == []


def test_formset_errors_are_listed_per_form():
    class Row(forms.Form):
        name = forms.CharField()
        age = forms.IntegerField()

    formset_class = forms.formset_factory(Row, extra=0)
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-name": "a", "form-0-age": "1"}
    formset = formset_class(data={**data, "form-1-age": "x"})
    ids = [e.field_id for e in collect_errors([formset])]
    assert ids == ["id_form-1-name", "id_form-1-age"]


def test_profile_form_redirects_after_a_failed_post_and_shows_the_errors_once(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "", "language": "xx"})
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    page = client.get(response.url).content.decode()
    assert 'href="#id_full_name"' in _summary(page) and 'href="#id_language"' in _summary(page)
    assert not _summary(client.get(reverse("accounts:profile")).content.decode())


def test_password_forms_are_not_kept_in_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong-old-password", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200 and "_failed_post" not in client.session
    assert 'href="#id_old_password"' in _summary(response.content.decode())


def test_errors_added_after_validation_survive_the_redirect_once(rf):
    from django.contrib.sessions.backends.db import SessionStore

    from core.forms import failed_post_redirect, failed_post_restore

    class Form(forms.Form):
        name = forms.CharField()
        age = forms.IntegerField()

    session = SessionStore()
    post = rf.post("/somewhere/?step=2", {"name": "Anna", "age": "x", "csrfmiddlewaretoken": "t"})
    post.session = session
    form = Form(post.POST)
    assert not form.is_valid()
    form.add_error(None, "Refused by the service.")
    response = failed_post_redirect(post, form)
    assert response.status_code == 302 and response.url == "/somewhere/?step=2"
    assert "csrfmiddlewaretoken" not in session["_failed_post"]["data"]

    other = rf.get("/elsewhere/")
    other.session = session
    assert failed_post_restore(other, Form) is None  # only the page that failed gets it back

    get = rf.get("/somewhere/")
    get.session = session
    restored = failed_post_restore(get, Form)
    assert restored.data["name"] == "Anna"
    assert restored.non_field_errors() == ["Refused by the service."]
    assert [str(e) for e in restored.errors["age"]] == ["Voer een geheel getal in."]
    assert failed_post_restore(get, Form) is None


def test_looking_for_forms_evaluates_no_lazy_value(client):
    """The summary looks at the context without touching lazy values: the CSRF token of a page
    without a form is never made, so an anonymous page sets no cookie."""
    response = client.get("/privacy/")
    assert "csrftoken" not in response.cookies


def test_a_form_posted_elsewhere_comes_back_on_its_page_to_its_own_form_only(rf):
    from django.contrib.sessions.backends.db import SessionStore

    from core.forms import failed_post_redirect, failed_post_restore

    class Confirm(forms.Form):
        confirm = forms.BooleanField()

    class Answer(forms.Form):
        answer = forms.CharField()

    session = SessionStore()
    post = rf.post("/things/5/answer/", {"answer": ""})
    post.session = session
    form = Answer(post.POST)
    assert not form.is_valid()
    response = failed_post_redirect(post, form, to="/things/5/", key="answer")
    assert response.url == "/things/5/"
    get = rf.get("/things/5/")
    get.session = session
    assert failed_post_restore(get, Confirm, key="confirm") is None  # another form of the page stays clean
    restored = failed_post_restore(get, Answer, key="answer")
    assert restored is not None and "answer" in restored.errors
    assert failed_post_restore(get, Answer, key="answer") is None  # once
