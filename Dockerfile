# syntax=docker/dockerfile:1
# Coursebook's production image: gunicorn for the web, the same image for Celery.
# docker-compose.yml builds and runs it with PostgreSQL, Redis and Mailpit.

# --- Front end: GOV.UK Frontend compiled with Sass, as scripts/build_frontend.sh does ---
FROM node:22-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY frontend ./frontend
RUN npm run --silent build

# --- The application ---------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COURSEBOOK_VAR_DIR=/app/var

# WeasyPrint's libraries (its install notes for Debian 11+) and fonts for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home coursebook

WORKDIR /app

# The runtime dependencies from pyproject.toml at the versions in requirements.lock; the
# lock's development tools (pytest, Playwright, ruff) stay out of the image.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/runtime.txt \
    && pip install -r /tmp/runtime.txt -c requirements.lock \
    && rm /tmp/runtime.txt

COPY . .
COPY --from=frontend /build/static/build ./static/build

# Settings refuse to load without SECRET_KEY and ALLOWED_HOSTS when DEBUG is off; these
# placeholders exist only for this command and are not kept in the image.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown coursebook:coursebook var

USER coursebook
EXPOSE 8000
# Workers: set WEB_CONCURRENCY (gunicorn reads it) to the number of cores; the default is 1.
# Booking is CPU-bound, so single-threaded workers, one a core, serve most (bench/README.md).
# config/gunicorn_conf.py: the access log, without the tokens of emailed links.
CMD ["gunicorn", "-c", "python:config.gunicorn_conf", "--bind", "0.0.0.0:8000"]
