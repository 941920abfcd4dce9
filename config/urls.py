from django.contrib import admin
from django.urls import include, path, register_converter

from .converters import RecordIdConverter

# Before the apps' URLs are read: they use it as <id:pk>.
register_converter(RecordIdConverter, "id")

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
