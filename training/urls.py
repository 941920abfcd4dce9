from django.urls import path

from .views import bookings, catalogue, manage

app_name = "training"

urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("courses/<slug:code>/", catalogue.course_detail, name="course"),
    path("sessions/<int:pk>/", catalogue.session_detail, name="session"),
    # Delegates: booking, My training, cancelling, handing a place on.
    path("sessions/<int:pk>/book/", bookings.book, name="book"),
    path("my-training/", bookings.my_training_view, name="my_training"),
    path("bookings/<int:pk>/", bookings.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", bookings.booking_cancel_view, name="booking_cancel"),
    path(
        "bookings/<int:pk>/hand-on/",
        bookings.booking_substitute_view,
        name="booking_substitute",
    ),
    path("bookings/<int:pk>/calendar.ics", bookings.booking_ics_view, name="booking_ics"),
    # Coordinators: managing sessions and bookings (names start with "manage_").
    path("manage/sessions/", manage.sessions, name="manage_sessions"),
    path("manage/sessions/new/", manage.session_create_view, name="manage_session_create"),
    path("manage/sessions/<int:pk>/", manage.session_detail, name="manage_session"),
    path("manage/sessions/<int:pk>/edit/", manage.session_edit, name="manage_session_edit"),
    path(
        "manage/sessions/<int:pk>/copy/",
        manage.session_duplicate_view,
        name="manage_session_duplicate",
    ),
    path(
        "manage/sessions/<int:pk>/cancel/",
        manage.session_cancel_view,
        name="manage_session_cancel",
    ),
    path("manage/sessions/<int:pk>/book/", manage.session_book, name="manage_session_book"),
    path(
        "manage/bookings/<int:pk>/cancel/",
        manage.booking_cancel_view,
        name="manage_booking_cancel",
    ),
    path("manage/terms/", manage.terms, name="manage_terms"),
]
