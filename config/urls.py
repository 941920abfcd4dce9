from django.contrib import admin
from django.urls import include, path

from evaluations.views.room import room_link

urlpatterns = [
    path("", include("pages.urls")),
    path("account/", include("accounts.urls")),
    path("training/", include("training.urls")),
    path("certificates/", include("training.urls_public")),
    path("evaluations/", include("evaluations.urls")),
    # The short link shown in the room at the end of a session.
    path("e/<int:session_id>/", room_link, name="evaluation_short"),
    path("django-admin/", admin.site.urls),
]
