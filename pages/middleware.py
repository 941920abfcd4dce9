"""Response headers every page gets: what the browser may use, and what it may keep."""

from django.utils.cache import add_never_cache_headers

# Features Coursebook never uses, refused for its pages and anything they embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreForPersonalDataMiddleware:
    """Cache-Control: no-store on every response to a signed-in person and on every
    download, so registers, lists, sign-in sheets, CSVs, invoices, certificates and
    calendar files stay out of shared and browser caches. Static files are served before
    this (WhiteNoise) and keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or response.has_header("Content-Disposition"):
            add_never_cache_headers(response)
        return response
