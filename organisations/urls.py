from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.OrganisationHomeView.as_view(), name="home"),
    path("start/", views.StartView.as_view(), name="start"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path("switch/", views.SwitchOrganisationView.as_view(), name="switch"),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganisationEditView.as_view(), name="edit"),
    path("<int:pk>/invite/", views.InviteView.as_view(), name="invite"),
    path("<int:pk>/members/<int:membership_id>/", views.MemberUpdateView.as_view(), name="member_update"),
]
