"""Readiness of the pieces Coursebook needs: the database and the Celery broker."""

import os
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # Any failure to reach the database means "not ready".
        return False


def broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return folder.is_dir() and os.access(folder, os.W_OK)
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # Refused, timed out, bad credentials: all mean "not ready".
        return False
