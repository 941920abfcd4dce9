from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/progress.json", views.job_progress_json, name="job_progress"),
    path("<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<int:pk>/problems.csv", views.problems_csv, name="problems_csv"),
]
