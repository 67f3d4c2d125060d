"""The API's operations: thin views over the selectors and the same services as the staff pages.

Every view names the scope of each method (``required_scopes``); lists are keyset-paginated with
the sort options they offer and filters validated like any input (400 with the parameter named).
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from declarations.constants import Decision
from instruments.constants import FrameworkStage, InstrumentKind, PolicyArea
from instruments.selectors import InstrumentFilters as Selection
from instruments.selectors import instrument_list
from missions.constants import MissionStatus, RegistrationStatus, Theme
from missions.services import registration_confirm, registration_promote, registration_reject
from staff.services import attendance_record

from . import selectors
from . import serializers as s
from .constants import (
    ATTENDANCE_WRITE,
    DECLARATIONS_READ,
    FIGURES_READ,
    INSTRUMENTS_READ,
    MISSIONS_READ,
    PERSONAL_DATA_READ,
    REGISTRATIONS_READ,
    REGISTRATIONS_WRITE,
)
from .permissions import token_has
from .services import api_write_record


class ApiView(GenericAPIView):
    required_scopes: dict[str, str] = {}
    filter_serializer_class = None
    sort_options: dict[str, tuple[str, ...]] = {}
    default_sort = ""

    @property
    def personal(self) -> bool:
        return token_has(self.request, PERSONAL_DATA_READ)

    def filters(self) -> dict:
        if self.filter_serializer_class is None:
            return {}
        serializer = self.filter_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return {k: v for k, v in serializer.validated_data.items() if v not in (None, "")}

    def page_context(self, page) -> dict:
        return {}

    def list_response(self, queryset):
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(), **self.page_context(page)}
        )
        return self.get_paginated_response(serializer.data)

    def one_response(self, obj, serializer_class=None):
        serializer_class = serializer_class or self.get_serializer_class()
        context = {**self.get_serializer_context(), **self.page_context([obj])}
        return Response(serializer_class(obj, context=context).data)


class _Filters(serializers.Serializer):
    """Unknown query parameters are ignored; known ones are validated."""


# --- missions ----------------------------------------------------------------------------------------


class MissionFilters(_Filters):
    status = serializers.ChoiceField(choices=MissionStatus.choices, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, help_text="ISO 3166-1 alpha-2 code.")
    starts_from = serializers.DateField(required=False)
    starts_until = serializers.DateField(required=False)


class MissionListView(ApiView):
    """Missions, every status (staff systems also follow drafts)."""

    required_scopes = {"GET": MISSIONS_READ}
    serializer_class = s.MissionSerializer
    filter_serializer_class = MissionFilters
    sort_options = {
        "starts_on": ("starts_on", "pk"),
        "-starts_on": ("-starts_on", "-pk"),
        "slug": ("slug",),
        "-slug": ("-slug",),
    }
    default_sort = "starts_on"

    @extend_schema(operation_id="missions_list", parameters=[MissionFilters], responses=s.MissionSerializer(many=True))
    def get(self, request):
        f = self.filters()
        missions = selectors.missions_all()
        for key, lookup in (("status", "status"), ("theme", "theme"), ("country", "country")):
            if key in f:
                missions = missions.filter(**{lookup: f[key]})
        if "starts_from" in f:
            missions = missions.filter(starts_on__gte=f["starts_from"])
        if "starts_until" in f:
            missions = missions.filter(starts_on__lte=f["starts_until"])
        return self.list_response(missions)


class MissionDetailView(ApiView):
    required_scopes = {"GET": MISSIONS_READ}
    serializer_class = s.MissionSerializer

    @extend_schema(operation_id="missions_retrieve")
    def get(self, request, slug):
        return self.one_response(get_object_or_404(selectors.missions_all(), slug=slug))


class SessionFilters(_Filters):
    mission = serializers.SlugField(required=False, help_text="Slug of the mission.")
    starts_from = serializers.DateTimeField(required=False)


class SessionListView(ApiView):
    """Preparation sessions of every mission."""

    required_scopes = {"GET": MISSIONS_READ}
    serializer_class = s.SessionSerializer
    filter_serializer_class = SessionFilters
    sort_options = {"starts_at": ("starts_at", "pk"), "-starts_at": ("-starts_at", "-pk")}
    default_sort = "starts_at"

    @extend_schema(operation_id="sessions_list", parameters=[SessionFilters], responses=s.SessionSerializer(many=True))
    def get(self, request):
        f = self.filters()
        sessions = selectors.sessions_all()
        if "mission" in f:
            sessions = sessions.filter(mission__slug=f["mission"])
        if "starts_from" in f:
            sessions = sessions.filter(starts_at__gte=f["starts_from"])
        return self.list_response(sessions)


class SessionDetailView(ApiView):
    required_scopes = {"GET": MISSIONS_READ}
    serializer_class = s.SessionSerializer

    @extend_schema(operation_id="sessions_retrieve")
    def get(self, request, pk):
        return self.one_response(get_object_or_404(selectors.sessions_all(), pk=pk))


# --- registrations and attendance ---------------------------------------------------------------


class RegistrationFilters(_Filters):
    mission = serializers.SlugField(required=False, help_text="Slug of the mission.")
    status = serializers.ChoiceField(choices=[c for c in RegistrationStatus.choices if c[0] != "draft"], required=False)
    changed_since = serializers.DateTimeField(required=False, help_text="Status changed at or after this time.")


class RegistrationMixin:
    serializer_class = s.RegistrationSerializer

    def get_queryset(self):
        return selectors.registrations_all(personal=self.personal)

    def page_context(self, page) -> dict:
        return {"history": selectors.registration_history([r.pk for r in page])}


class RegistrationListView(RegistrationMixin, ApiView):
    """Submitted registrations with their status history (drafts are not shown)."""

    required_scopes = {"GET": REGISTRATIONS_READ}
    filter_serializer_class = RegistrationFilters
    sort_options = {"id": ("pk",), "-id": ("-pk",)}
    default_sort = "id"

    @extend_schema(
        operation_id="registrations_list",
        parameters=[RegistrationFilters],
        responses=s.RegistrationSerializer(many=True),
    )
    def get(self, request):
        f = self.filters()
        registrations = self.get_queryset()
        if "mission" in f:
            registrations = registrations.filter(mission__slug=f["mission"])
        if "status" in f:
            registrations = registrations.filter(status=f["status"])
        if "changed_since" in f:
            registrations = registrations.filter(status_changed_at__gte=f["changed_since"])
        return self.list_response(registrations)


class RegistrationDetailView(RegistrationMixin, ApiView):
    required_scopes = {"GET": REGISTRATIONS_READ}

    @extend_schema(operation_id="registrations_retrieve")
    def get(self, request, pk):
        return self.one_response(get_object_or_404(self.get_queryset(), pk=pk))


class RegistrationDecisionView(RegistrationMixin, ApiView):
    """A staff decision on a registration, through the staff pages' services and permission rule
    (``registration.decide``): one transaction with the service's audit event and one naming the client."""

    required_scopes = {"POST": REGISTRATIONS_WRITE}

    @extend_schema(
        operation_id="registrations_decide", request=s.DecisionInputSerializer, responses=s.RegistrationSerializer
    )
    def post(self, request, pk):
        registration = get_object_or_404(selectors.registrations_all(personal=False), pk=pk)
        data = s.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision, reason = data.validated_data["decision"], data.validated_data["reason"]
        actor, django_request = request.user, request._request
        with transaction.atomic():
            if decision == "confirm":
                registration_confirm(registration=registration, actor=actor, request=django_request)
            elif decision == "promote":
                registration_promote(registration=registration, actor=actor, request=django_request)
            else:
                registration_reject(registration=registration, actor=actor, reason=reason, request=django_request)
            api_write_record(
                client=request.api_client,
                operation=f"registration.{decision}",
                obj=registration,
                request=django_request,
            )
        return self.one_response(get_object_or_404(self.get_queryset(), pk=pk))


class AttendanceView(ApiView):
    """Attendance of one preparation session: read it, or record it as staff do on the session page."""

    required_scopes = {"GET": REGISTRATIONS_READ, "POST": ATTENDANCE_WRITE}
    serializer_class = s.AttendanceSerializer
    sort_options = {"participant": ("participant_id",), "-participant": ("-participant_id",)}
    default_sort = "participant"

    @extend_schema(operation_id="attendance_list", responses=s.AttendanceSerializer(many=True))
    def get(self, request, pk):
        session = get_object_or_404(selectors.sessions_all(), pk=pk)
        return self.list_response(selectors.attendance_of(session))

    @extend_schema(
        operation_id="attendance_record", request=s.AttendanceInputSerializer, responses=s.AttendanceResultSerializer
    )
    def post(self, request, pk):
        session = get_object_or_404(selectors.sessions_all(), pk=pk)
        data = s.AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statuses = {r["participant"]: r["status"] for r in data.validated_data["records"]}
        with transaction.atomic():
            changed = attendance_record(
                actor=request.user, session=session, statuses=statuses, request=request._request
            )
            api_write_record(
                client=request.api_client,
                operation="session.attendance",
                obj=session,
                request=request._request,
                details={"changed": changed},
            )
        return Response({"changed": changed})


# --- instruments -------------------------------------------------------------------------------------


class InstrumentFilters(_Filters):
    kind = serializers.ChoiceField(choices=InstrumentKind.choices, required=False)
    policy_area = serializers.ChoiceField(choices=PolicyArea.choices, required=False)
    stage = serializers.ChoiceField(choices=FrameworkStage.choices, required=False)


class InstrumentListView(ApiView):
    required_scopes = {"GET": INSTRUMENTS_READ}
    serializer_class = s.InstrumentSerializer
    filter_serializer_class = InstrumentFilters
    sort_options = {"code": ("code",), "-code": ("-code",)}
    default_sort = "code"

    @extend_schema(
        operation_id="instruments_list", parameters=[InstrumentFilters], responses=s.InstrumentSerializer(many=True)
    )
    def get(self, request):
        f = self.filters()
        ids = instrument_list(filters=Selection(**f)).values("pk") if f else None
        instruments = selectors.instruments_all()
        if ids is not None:
            instruments = instruments.filter(pk__in=ids)
        page = self.paginate_queryset(instruments)
        data = self.get_serializer(selectors.with_current_decision(page), many=True).data
        return self.get_paginated_response(data)


class InstrumentDetailView(ApiView):
    required_scopes = {"GET": INSTRUMENTS_READ}
    serializer_class = s.InstrumentSerializer

    @extend_schema(operation_id="instruments_retrieve")
    def get(self, request, slug):
        instrument = get_object_or_404(selectors.instruments_all(), slug=slug)
        return self.one_response(selectors.with_current_decision([instrument])[0])


class PhaseListView(ApiView):
    """The roll-out phases of the IMVO framework."""

    required_scopes = {"GET": INSTRUMENTS_READ}
    serializer_class = s.PhaseSerializer
    sort_options = {"number": ("number",), "-number": ("-number",)}
    default_sort = "number"

    @extend_schema(operation_id="phases_list", responses=s.PhaseSerializer(many=True))
    def get(self, request):
        return self.list_response(selectors.phases_all())


# --- declarations -------------------------------------------------------------------------------------


class DeclarationFilters(_Filters):
    decision = serializers.ChoiceField(choices=Decision.choices, required=False)
    subject_type = serializers.CharField(required=False, max_length=40)
    kvk_number = serializers.RegexField(r"^[0-9]{8}$", required=False, help_text="KvK number at signing.")
    signed_from = serializers.DateTimeField(required=False)
    signed_until = serializers.DateTimeField(required=False)


class DeclarationMixin:
    serializer_class = s.DeclarationSerializer

    def get_queryset(self):
        return selectors.declarations_all(personal=self.personal)

    def page_context(self, page) -> dict:
        return {"checkpoints": selectors.checkpoints_covering([d.sequence for d in page])}


class DeclarationListView(DeclarationMixin, ApiView):
    """Declaration records as evidence: what was decided on which text, when, with the record hash
    and the checkpoint that anchors it. Personal data only with ``personal-data:read``."""

    required_scopes = {"GET": DECLARATIONS_READ}
    filter_serializer_class = DeclarationFilters
    sort_options = {"sequence": ("sequence",), "-sequence": ("-sequence",)}
    default_sort = "sequence"

    @extend_schema(
        operation_id="declarations_list", parameters=[DeclarationFilters], responses=s.DeclarationSerializer(many=True)
    )
    def get(self, request):
        f = self.filters()
        declarations = self.get_queryset()
        if "decision" in f:
            declarations = declarations.filter(decision=f["decision"])
        if "subject_type" in f:
            declarations = declarations.filter(subject_type=f["subject_type"])
        if "kvk_number" in f:
            declarations = declarations.filter(organisation_kvk=f["kvk_number"])
        if "signed_from" in f:
            declarations = declarations.filter(signed_at__gte=f["signed_from"])
        if "signed_until" in f:
            declarations = declarations.filter(signed_at__lte=f["signed_until"])
        return self.list_response(declarations)


class DeclarationDetailView(DeclarationMixin, ApiView):
    required_scopes = {"GET": DECLARATIONS_READ}

    @extend_schema(operation_id="declarations_retrieve")
    def get(self, request, sequence):
        return self.one_response(get_object_or_404(self.get_queryset(), sequence=sequence))


# --- published figures ----------------------------------------------------------------------------------


class ReleaseListView(ApiView):
    """The published releases of the dashboard's figures (what the ministry sees), newest first."""

    required_scopes = {"GET": FIGURES_READ}
    serializer_class = s.ReleaseSerializer
    sort_options = {"-number": ("-number",), "number": ("number",)}
    default_sort = "-number"

    @extend_schema(operation_id="releases_list", responses=s.ReleaseSerializer(many=True))
    def get(self, request):
        return self.list_response(selectors.releases_published())


class ReleaseDetailView(ApiView):
    """One release's figures, exactly as the dashboard shows them (same cells, same disclosure control)."""

    required_scopes = {"GET": FIGURES_READ}
    serializer_class = s.ReleaseFiguresSerializer

    @extend_schema(
        operation_id="releases_retrieve",
        parameters=[
            OpenApiParameter("Accept-Language", str, OpenApiParameter.HEADER, required=False, enum=["nl", "en"])
        ],
    )
    def get(self, request, number):
        release = selectors.release_get(number)
        figures = selectors.release_figures(release, language=(translation.get_language() or "nl")[:2])
        data = s.ReleaseSerializer(release).data
        return Response({**data, **figures})
