"""Container health check: GET /healthz on the local gunicorn, exit 0 only on a 200.

Django answers only to ALLOWED_HOSTS, so the request names the first of them as its Host.
"""

import os
import sys
import urllib.error
import urllib.request

port = os.environ.get("PORT", "8000")
host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
if host in ("", "*"):
    host = "localhost"

request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed local URL)
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError) as error:
    print(f"healthz: {error}", file=sys.stderr)
    sys.exit(1)
