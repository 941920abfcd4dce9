from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.registered, name="registered"),
    path("verify/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("", views.profile, name="profile"),
    path("details/", views.details_edit, name="details_edit"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("email/", views.email_change, name="email_change"),
    path(
        "email/confirm/<str:token>/",
        views.email_change_confirm_view,
        name="email_change_confirm",
    ),
    path("organisation/", views.organisation_change, name="organisation_change"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/roles/", views.person_roles, name="person_roles"),
    path("organisations/", views.agency_list, name="agency_list"),
    path("organisations/new/", views.agency_create_view, name="agency_create"),
    path("organisations/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("organisations/requests/", views.organisation_requests, name="organisation_requests"),
    path(
        "organisations/requests/<int:pk>/",
        views.organisation_request_decide,
        name="organisation_request_decide",
    ),
    path(
        "organisations/changes/<int:pk>/",
        views.organisation_change_decide,
        name="organisation_change_decide",
    ),
]
