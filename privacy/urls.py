from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("my-record.json", views.my_record, name="my_record"),
    path("people/<int:pk>/", views.person_data, name="person_data"),
    path("people/<int:pk>/record.json", views.person_record_download, name="person_record"),
]
