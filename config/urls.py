from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pages.urls")),
    path("account/", include("accounts.urls")),
    path("training/", include("training.urls")),
    path("certificates/", include("training.urls_public")),
    path("reports/", include("reports.urls")),
    path("django-admin/", admin.site.urls),
]
