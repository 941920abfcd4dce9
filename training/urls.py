from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("courses/<slug:code>/", views.course_detail, name="course"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
]
