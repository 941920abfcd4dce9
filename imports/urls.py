from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:pk>/", views.job, name="job"),
    path("<id:pk>/progress.json", views.job_progress_json, name="job_progress"),
    path("<id:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("<id:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<id:pk>/problems.csv", views.problems_csv, name="problems_csv"),
]
