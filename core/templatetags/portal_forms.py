"""``{% load portal_forms %}``: the error summary every form page shows after a failed submit.

``base.html`` calls ``{% form_error_summary as form_errors %}`` once: it finds the bound forms and
formsets with errors among the page's context, so every view that puts its form in the context
(Django's generic views do, as ``form``) gets the summary without doing anything. The summary
follows the GOV.UK / NL Design System pattern: a heading, each error a link to its field, focus
moved to it (``static/js/forms.js``), and the page title starts with "Fout:" / "Error:".
"""

from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet

register = template.Library()

#: Widgets whose own element is not focusable: the link goes to their first option.
_OPTION_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@dataclass(frozen=True)
class SummaryError:
    message: str
    field_id: str = ""  # empty for errors about the whole form


def _field_anchor(bound_field) -> str:
    widget = bound_field.field.widget
    auto_id = bound_field.auto_id
    if not auto_id:
        return ""
    if isinstance(widget, _OPTION_WIDGETS):
        return f"{auto_id}_0"
    if isinstance(widget, forms.MultiWidget):
        return f"{auto_id}_0"
    return auto_id


def form_errors(form: forms.BaseForm) -> list[SummaryError]:
    """The errors of one bound form in field order, form-wide errors first."""
    if not form.is_bound or not form.errors:
        return []
    items = [SummaryError(str(message)) for message in form.non_field_errors()]
    for bound_field in form:
        for message in bound_field.errors:
            if bound_field.is_hidden:
                items.append(SummaryError(str(message)))
            else:
                items.append(SummaryError(str(message), _field_anchor(bound_field)))
    return items


def formset_errors(formset: BaseFormSet) -> list[SummaryError]:
    if not formset.is_bound:
        return []
    items = [SummaryError(str(message)) for message in formset.non_form_errors()]
    for form in formset.forms:
        items.extend(form_errors(form))
    return items


def _is_form(value) -> bool:
    # type(), not isinstance(): isinstance() would evaluate lazy context values such as the CSRF
    # token, which sets a cookie on every page (and so defeats the anonymous page cache).
    # A form says ``show_error_summary = False`` when its errors are no failed submit (GET filters).
    return issubclass(type(value), forms.BaseForm | BaseFormSet) and getattr(value, "show_error_summary", True)


def _candidates(values):
    for value in values:
        if _is_form(value):
            yield value
        elif type(value) in (list, tuple):
            yield from (item for item in value if _is_form(item))


def collect_errors(context_values) -> list[SummaryError]:
    """Every error of every bound form or formset among ``context_values`` (each once)."""
    seen, items = set(), []
    for candidate in _candidates(context_values):
        if id(candidate) in seen:
            continue
        seen.add(id(candidate))
        if isinstance(candidate, BaseFormSet):
            items.extend(formset_errors(candidate))
        else:
            items.extend(form_errors(candidate))
    return items


@register.simple_tag(takes_context=True)
def form_error_summary(context) -> list[SummaryError]:
    return collect_errors(context.flatten().values())


@register.inclusion_tag("includes/error_summary.html")
def error_summary(errors: list[SummaryError]) -> dict:
    return {"errors": errors}


#: Text areas with at least this limit get a visible limit and a live counter.
COUNTER_MIN_LIMIT = 100


@register.simple_tag
def portal_field(bound_field) -> dict:
    """What the portal's field template needs to know about one field (``bootstrap5/field.html``).

    ``optional``: the label says "(niet verplicht)"; a field whose obligation depends on others
    (e.g. the fields of a second participant) sets ``mark_optional = False`` on the form field.
    ``char_limit``: the limit of a text area, shown with a live counter. The ``maxlength``
    attribute is dropped from every text field, so a pasted text that is too long is not cut
    silently by the browser but refused by the form with a message that says by how much.
    """
    field = bound_field.field
    widget = field.widget
    limit = getattr(field, "max_length", None)
    char_limit = None
    if limit and isinstance(widget, forms.Textarea | forms.TextInput) and not widget.is_hidden:
        widget.attrs.pop("maxlength", None)
        if isinstance(widget, forms.Textarea) and limit >= COUNTER_MIN_LIMIT and bound_field.auto_id:
            char_limit = limit
            counter_id = f"{bound_field.auto_id}_counter"
            widget.attrs["data-char-limit"] = str(limit)
            # Django describes the field by its help text and errors unless the widget names its
            # own descriptions: name those and the counter (recomputed on every render).
            if getattr(widget, "_portal_describedby", False):
                widget.attrs.pop("aria-describedby", None)
            described = bound_field.aria_describedby or widget.attrs.get("aria-describedby", "")
            widget.attrs["aria-describedby"] = " ".join(filter(None, [described, counter_id]))
            widget._portal_describedby = True
    optional = (
        not field.required
        and getattr(field, "mark_optional", True)
        and not isinstance(widget, forms.CheckboxInput | forms.HiddenInput)
    )
    return {"optional": optional, "char_limit": char_limit}
