"""The short link shown in the room at the end of a session, at /e/<session>/."""

from django.urls import path

from .views.room import room_link

urlpatterns = [path("<id:pk>/", room_link, name="evaluation_short")]
