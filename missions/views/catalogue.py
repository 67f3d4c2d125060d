"""The public catalogue: mission list and mission page."""

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView
from django_countries import countries

from core.page_cache import AnonymousPageCacheMixin
from organisations.selectors import memberships_of_request

from .. import resources
from ..constants import Availability
from ..forms import MissionFilterForm
from ..selectors import (
    MissionFilters,
    mission_availability,
    mission_countries_published,
    mission_get_published,
    mission_list_published,
    mission_seats_left,
    registrations_of_user_for_mission,
    seat_counts_attach,
)


class MissionListView(AnonymousPageCacheMixin, ListView):
    page_cache_namespace = "missions"

    template_name = "missions/list.html"
    context_object_name = "missions"
    paginate_by = 10

    def get_queryset(self):
        codes = mission_countries_published()
        self.filter_form = MissionFilterForm(
            self.request.GET or None, countries=[(c, countries.name(c) or c) for c in codes]
        )
        filters = MissionFilters()
        if self.filter_form.is_bound and self.filter_form.is_valid():
            filters = MissionFilters(**self.filter_form.cleaned_data)
        elif self.filter_form.is_bound:
            messages.warning(self.request, _("One of the filters was not valid and was ignored."))
        self.filters = filters
        return mission_list_published(filters=filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        # Counts for the missions on this page only (one query), not a join over all registrations.
        context["missions"] = context["object_list"] = seat_counts_attach(context["missions"])
        if context.get("page_obj"):
            context["page_obj"].object_list = context["missions"]
        for mission in context["missions"]:
            mission.availability = mission_availability(mission, now)
            mission.seats_left = mission_seats_left(mission)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter_form=self.filter_form,
            Availability=Availability,
            query_string=query.urlencode(),
            is_filtered=any([self.filters.q, self.filters.theme, self.filters.country, self.filters.state]),
        )
        return context


class MissionDetailView(AnonymousPageCacheMixin, TemplateView):
    page_cache_namespace = "missions"

    template_name = "missions/detail.html"

    def get_context_data(self, **kwargs):
        mission = mission_get_published(slug=kwargs["slug"])
        mission.availability = mission_availability(mission)
        mission.seats_left = mission_seats_left(mission)
        user = self.request.user
        own = registrations_of_user_for_mission(user=user, mission=mission) if user.is_authenticated else []
        registered = {r.organisation_id for r in own}
        # Once the user's organisations have registered, their registration is the main action;
        # "register" remains only for an organisation of theirs that has not registered yet.
        unregistered = [m for m in memberships_of_request(self.request) if m.organisation_id not in registered]
        return super().get_context_data(
            mission=mission,
            own_registrations=own,
            may_register=not own or bool(unregistered),
            Availability=Availability,
            sessions=list(mission.preparation_sessions.all()),
            resource_links=resources.mission_links(mission, language=(get_language() or "nl")[:2]),
            **kwargs,
        )
