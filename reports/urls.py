from django.urls import path, re_path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="report"),
    re_path(r"^download\.(?P<extension>csv|xlsx)$", views.report_download, name="download"),
    path("pdf/", views.report_pdf_request, name="pdf"),
    path("pdf/<int:pk>/", views.job_detail, name="job"),
    path("pdf/<int:pk>/download/", views.job_download, name="job_download"),
]
