from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.OpenDataIndexView.as_view(), name="index"),
    path("method/", views.MethodView.as_view(), name="method"),
    path("catalog.jsonld", views.CatalogView.as_view(), name="catalog"),
    path("releases/<int:number>.json", views.ReleaseJsonView.as_view(), name="release_json"),
    path("releases/<int:number>.csv", views.ReleaseCsvView.as_view(), name="release_csv"),
    path("schemas/release.schema.json", views.ReleaseSchemaView.as_view(), name="release_schema"),
]
