from django.urls import path

from . import views

app_name = "privacy"

# Mounted under /accounts/ ("My account").
urlpatterns = [
    path("my-data/", views.MyDataView.as_view(), name="my_data"),
    path("my-data.json", views.MyDataJsonView.as_view(), name="my_data_json"),
    path("delete/", views.AccountDeleteView.as_view(), name="delete"),
    path("delete/<str:token>/", views.AccountDeleteConfirmView.as_view(), name="delete_confirm"),
]
