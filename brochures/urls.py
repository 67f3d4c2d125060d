from django.urls import path, re_path

from . import views

app_name = "brochures"

urlpatterns = [
    path("", views.BrochureListView.as_view(), name="list"),
    # Staff pages first, so that "manage" is never taken for a brochure slug.
    path("manage/", views.ManageListView.as_view(), name="manage"),
    path("manage/<slug:slug>/<str:language>/edit/", views.DraftEditView.as_view(), name="edit"),
    path("manage/versions/<int:pk>/", views.VersionPreviewView.as_view(), name="preview"),
    path("manage/versions/<int:pk>/pdf/", views.VersionPreviewPdfView.as_view(), name="preview_pdf"),
    path("manage/versions/<int:pk>/status/", views.VersionPreviewStatusView.as_view(), name="preview_status"),
    path("manage/versions/<int:pk>/publish/", views.VersionPublishView.as_view(), name="publish"),
    path("manage/renditions/<int:pk>/retry/", views.RenditionRetryView.as_view(), name="retry"),
    path("manage/missions/<slug:slug>/pack/", views.MissionPackGenerateView.as_view(), name="mission_pack"),
    re_path(
        r"^files/(?P<sha256>[0-9a-f]{64})/(?P<filename>[A-Za-z0-9._-]{1,150}\.pdf)$",
        views.published_pdf_file,
        name="file",
    ),
    path("<slug:slug>/", views.BrochureDetailView.as_view(), name="detail"),
    path("<slug:slug>/pdf/", views.BrochurePdfView.as_view(), name="pdf"),
    path("<slug:slug>/<str:language>/v<int:number>/", views.BrochureVersionDetailView.as_view(), name="version"),
    path("<slug:slug>/<str:language>/v<int:number>/pdf/", views.BrochureVersionPdfView.as_view(), name="version_pdf"),
    path("<slug:slug>/<str:language>/v<int:number>/status/", views.BrochureStatusView.as_view(), name="status"),
]
