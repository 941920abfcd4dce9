from django.urls import path

from .views import results, room, surveys

app_name = "evaluations"

urlpatterns = [
    # The personal links in emails: the token only as a path segment, swapped at once.
    path("s/", surveys.link_missing, name="link_missing"),
    path("s/<str:token>/", surveys.link_open, name="link"),
    path("s/<str:token>/answer/<slug:answer>/", surveys.link_open, name="link_answer"),
    path("surveys/<id:pk>/", surveys.survey, name="survey"),
    path("surveys/<id:pk>/page/<int:page>/", surveys.survey_page, name="survey_page"),
    path("surveys/<id:pk>/thank-you/", surveys.survey_done, name="survey_done"),
    # Signed-in delegates: from My training, the reminder and the room.
    path("bookings/<id:pk>/before-you-come/", room.pre_course, name="pre_course"),
    path("sessions/<id:pk>/in-the-room/", room.room_screen, name="room_screen"),
    path("sessions/<id:pk>/in-the-room/qr.svg", room.room_qr, name="room_qr"),
    path("sessions/<id:pk>/results/", results.session_results_view, name="session_results"),
    path("questionnaires/", results.questionnaires, name="questionnaires"),
    path(
        "questionnaires/<slug:kind>/edit/",
        results.questionnaire_edit_view,
        name="questionnaire_edit",
    ),
]
