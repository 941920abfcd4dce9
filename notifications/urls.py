from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("not-sent/", views.failed, name="failed"),
    path("not-sent/retry/", views.retry, name="retry"),
]
