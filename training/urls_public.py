"""Public pages at the site root, outside /training/: verifying a certificate."""

from django.urls import path

from .views import certificates

app_name = "certificates"

urlpatterns = [
    path("verify/", certificates.certificate_verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", certificates.certificate_verify, name="verify"),
]
