from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pages.urls")),
    path("account/", include("accounts.urls")),
    path("training/manage/imports/", include("imports.urls")),
    path("training/", include("training.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("e/", include("evaluations.urls_short")),
    path("certificates/", include("training.urls_public")),
    path("privacy/", include("privacy.urls")),
    path("emails/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("django-admin/", admin.site.urls),
]
