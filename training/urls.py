from django.urls import path

from .views import (
    bookings,
    catalogue,
    certificates,
    home,
    manage,
    money,
    registers,
    session_messages,
    venues,
)

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
    path(
        "bookings/<int:pk>/certificate.pdf",
        certificates.certificate_download,
        name="certificate",
    ),
    # Coordinators: managing sessions and bookings (names start with "manage_").
    path("manage/", home.manage_home, name="manage_home"),
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
        "manage/sessions/<int:pk>/book/new-person/",
        manage.session_book_new_person,
        name="manage_session_book_new_person",
    ),
    path(
        "manage/bookings/<int:pk>/cancel/",
        manage.booking_cancel_view,
        name="manage_booking_cancel",
    ),
    path("manage/terms/", manage.terms, name="manage_terms"),
    path("manage/courses/", manage.courses, name="manage_courses"),
    path("manage/courses/new/", manage.course_create_view, name="manage_course_create"),
    path("manage/courses/<slug:code>/edit/", manage.course_edit, name="manage_course_edit"),
    path("manage/venues/", venues.venues, name="manage_venues"),
    path("manage/venues/new/", venues.venue_create_view, name="manage_venue_create"),
    path("manage/venues/<id:pk>/edit/", venues.venue_edit, name="manage_venue_edit"),
    # Trainers: registers
    path("my-sessions/", registers.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/register/", registers.register, name="register"),
    path(
        "sessions/<int:pk>/register/mark-all/",
        registers.register_mark_all,
        name="register_mark_all",
    ),
    path(
        "sessions/<int:pk>/register/walk-in/",
        registers.register_walk_in,
        name="register_walk_in",
    ),
    path(
        "sessions/<int:pk>/register/close/",
        registers.register_close_view,
        name="register_close",
    ),
    path(
        "sessions/<int:pk>/register/sign-in-sheet.pdf",
        registers.register_sign_in_sheet,
        name="register_sign_in_sheet",
    ),
    path("sessions/<int:pk>/register/attendance.csv", registers.register_csv, name="register_csv"),
    path("sessions/<id:pk>/message/", session_messages.message_session, name="message_session"),
    path(
        "register/bookings/<int:pk>/correct/",
        registers.register_correct,
        name="register_correct",
    ),
    # Coordinators: charges and invoices
    path("manage/charges/", money.charges, name="manage_charges"),
    path("manage/invoices/", money.invoices, name="manage_invoices"),
    path("manage/invoices/run/", money.invoices_run_view, name="manage_invoices_run"),
    path("manage/invoices/runs/<id:pk>/", money.invoice_run_detail, name="manage_invoice_run"),
    path(
        "manage/invoices/runs/<id:pk>/progress.json",
        money.invoice_run_progress,
        name="manage_invoice_run_progress",
    ),
    path("manage/invoices/invoices.csv", money.invoices_csv, name="manage_invoices_csv"),
    path(
        "manage/invoices/invoice-lines.csv",
        money.invoice_lines_csv,
        name="manage_invoice_lines_csv",
    ),
    path("manage/invoices/<int:pk>/", money.invoice_detail, name="manage_invoice"),
    path("manage/invoices/<int:pk>/pdf/", money.invoice_pdf, name="manage_invoice_pdf"),
    path("manage/invoices/<int:pk>/paid/", money.invoice_paid, name="manage_invoice_paid"),
    path(
        "manage/invoices/<int:pk>/credit-note/",
        money.invoice_credit,
        name="manage_invoice_credit",
    ),
]
