# Tipcast: one image for web (gunicorn), the Celery worker, beat and migrations.
#
# Two stages: the first builds the virtualenv (and may need compilers), the
# second copies only that virtualenv and the code into a clean slim image that
# runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
# Runtime requirements only: pytest, playwright, ruff... (requirements-dev.txt)
# stay out of the production image.
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=supportsite.settings \
    DJANGO_ENV=production \
    TIPCAST_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/media

# gettext: compilemessages below; fonts-noto-cjk: the font tips' share images are
# drawn with (Japanese titles; the serif faces, 53 MB, are not used). The user owns
# only what it must write to.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* /usr/share/fonts/opentype/noto/NotoSerifCJK-* \
    && groupadd --system --gid 10001 tipcast \
    && useradd --system --uid 10001 --gid tipcast --home-dir /app --shell /usr/sbin/nologin tipcast

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root . /app

# Static files are collected (compressed, with hashed names) and translations
# compiled at build time, so a container starts without writing to /app. The
# secret and cache URL here exist only to let settings load for these commands:
# nothing connects to Redis and the key signs nothing. The key is random and
# thrown away (production settings refuse any well-known key).
RUN export DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    CACHE_URL=redis://build-only:6379/0 \
    && python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv \
    && mkdir -p /app/var /app/media /app/private \
    && chown tipcast:tipcast /app/var /app/media /app/private

USER tipcast
EXPOSE 8000
CMD ["gunicorn", "supportsite.wsgi:application", "--config", "docker/gunicorn.conf.py"]
