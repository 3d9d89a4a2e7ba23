# syntax=docker/dockerfile:1
# The shop image: gunicorn serves the web app; the same image runs `manage.py runworker` and
# `manage.py migrate` (see docker-compose.yml). Build: docker build -t temporal-shop .

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# --- Dependencies: requirements/runtime.lock, the [project] dependencies of pyproject.toml pinned
# with hashes (uv pip compile; `make lock`), not the dev extra ---------------------------------
# Only the lock file is copied, so this layer is rebuilt only when the dependencies change; pip
# refuses any file whose hash differs from the lock's. The code itself runs from /app
# (manage.py, gunicorn --chdir), so the project is not pip-installed into site-packages.
FROM base AS deps
RUN python -m venv "$VIRTUAL_ENV"
WORKDIR /build
COPY requirements/runtime.lock ./
RUN pip install --require-hashes --no-deps --requirement runtime.lock

# --- Runtime ---------------------------------------------------------------------------------------
FROM base AS runtime
RUN groupadd --system --gid 10001 shop \
 && useradd --system --uid 10001 --gid shop --home-dir /app --no-create-home --shell /usr/sbin/nologin shop \
 && mkdir -p /data/media \
 && chown -R shop:shop /data
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# Code and collected static files stay owned by root: the app can read them, not change them.
COPY . .
ENV DJANGO_SETTINGS_MODULE=shop.settings \
    SHOP_DATA_DIR=/data \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    PORT=8000
# Hashed, compressed static files for whitenoise. Settings need a SECRET_KEY to load: a throwaway
# one, used for nothing else (the real one comes from the environment at run time).
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    SHOP_DATA_DIR=/tmp/collectstatic \
    python manage.py collectstatic --noinput \
 && rm -rf /tmp/collectstatic /tmp/collectstatic.sqlite3

USER shop:shop
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "shop.wsgi:application"]
