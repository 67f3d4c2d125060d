"""The declaration texts: one per kind of undertaking, a new version published by RVO staff."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from core.exceptions import DomainError
from declarations.constants import OECD_EDITION, TextKind
from declarations.models import Declaration
from declarations.selectors import declaration_text_current, declaration_texts_current
from declarations.services import declaration_text_version_publish

from ..forms import DeclarationTextVersionForm
from .base import StaffPageMixin


class DeclarationTextListView(StaffPageMixin, TemplateView):
    template_name = "staff/declaration_texts.html"
    section = "texts"

    def get_context_data(self, **kwargs):
        texts = declaration_texts_current()
        signed = dict(
            Declaration.objects.order_by()
            .values_list("text__kind")
            .annotate(n=Count("pk"))
            .values_list("text__kind", "n")
        )
        rows = []
        for kind, label in TextKind.choices:
            versions = [t for t in texts if t.kind == kind]
            rows.append({"kind": kind, "label": label, "texts": versions, "signed": signed.get(kind, 0)})
        return super().get_context_data(rows=rows, **kwargs)


class DeclarationTextPublishView(StaffPageMixin, FormView):
    template_name = "staff/form.html"
    form_class = DeclarationTextVersionForm
    section = "texts"

    def load_objects(self):
        if self.kwargs["kind"] not in TextKind.values:
            raise Http404
        self.kind = TextKind(self.kwargs["kind"])
        self.current = {
            language: text
            for language in ("nl", "en")
            if (text := declaration_text_current(kind=self.kind, language=language)) and text.language == language
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "current": {lang: t.body for lang, t in self.current.items()}}

    def get_initial(self):
        return {
            "body_nl": self.current["nl"].body if "nl" in self.current else "",
            "body_en": self.current["en"].body if "en" in self.current else "",
            "oecd_edition": next((t.oecd_edition for t in self.current.values()), OECD_EDITION),
        }

    def get_context_data(self, **kwargs):
        version = max((t.version for t in self.current.values()), default=0)
        return super().get_context_data(
            title=_("New version of the declaration text: %(kind)s") % {"kind": self.kind.label},
            intro=_(
                "Version %(next)s replaces version %(current)s for new declarations of this kind. Declarations "
                "signed on earlier versions keep their text. Write {undertaking} where the name of the mission "
                "or instrument goes."
            )
            % {"next": version + 1, "current": version or "–"},
            **kwargs,
        )

    def form_valid(self, form):
        try:
            nl, _en = declaration_text_version_publish(
                kind=self.kind,
                body_nl=form.cleaned_data["body_nl"],
                body_en=form.cleaned_data["body_en"],
                oecd_edition=form.cleaned_data["oecd_edition"].strip(),
                actor=self.request.user,
                request=self.request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Version %(version)s of the text for %(kind)s is published.")
            % {"version": nl.version, "kind": self.kind.label},
        )
        return redirect("staff:declaration_texts")
