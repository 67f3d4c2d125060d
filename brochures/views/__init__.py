"""Brochure pages: ``public`` (list, online version, PDF with progress) and ``manage`` (RVO staff)."""

from .manage import (
    DraftEditView,
    ManageListView,
    MissionPackGenerateView,
    RenditionRetryView,
    VersionPreviewPdfView,
    VersionPreviewStatusView,
    VersionPreviewView,
    VersionPublishView,
)
from .public import (
    BrochureDetailView,
    BrochureListView,
    BrochurePdfView,
    BrochureStatusView,
    BrochureVersionDetailView,
    BrochureVersionPdfView,
    published_pdf_file,
)

__all__ = [
    "published_pdf_file",
    "BrochureDetailView",
    "BrochureListView",
    "BrochurePdfView",
    "BrochureStatusView",
    "BrochureVersionDetailView",
    "BrochureVersionPdfView",
    "DraftEditView",
    "ManageListView",
    "MissionPackGenerateView",
    "RenditionRetryView",
    "VersionPreviewPdfView",
    "VersionPreviewStatusView",
    "VersionPreviewView",
    "VersionPublishView",
]
