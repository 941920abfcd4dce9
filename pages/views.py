from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from privacy.retention import retention_terms
from training.services.terms import terms_in_force

from .health import broker_ok, database_ok


def home(request):
    return render(request, "pages/home.html", {"terms": terms_in_force()})


def privacy(request):
    return render(request, "pages/privacy.html", {"retention": retention_terms()})


def accessibility(request):
    return render(request, "pages/accessibility.html")


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "broker": broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
