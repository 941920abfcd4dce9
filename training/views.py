from django.shortcuts import get_object_or_404, render

from .models import Course, Programme, Session
from .selectors import catalogue_courses, upcoming_sessions


def catalogue(request):
    courses = catalogue_courses()
    programmes = [
        (label, [course for course in courses if course.programme == value])
        for value, label in Programme.choices
    ]
    return render(request, "training/catalogue.html", {"programmes": programmes})


def course_detail(request, code):
    course = get_object_or_404(
        Course.objects.prefetch_related("outcomes").select_related("prerequisite"), code=code
    )
    sessions = upcoming_sessions().filter(course=course)
    return render(request, "training/course.html", {"course": course, "sessions": sessions})


def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("course", "venue", "delivering_agency"), pk=pk
    )
    return render(request, "training/session.html", {"session": session})
