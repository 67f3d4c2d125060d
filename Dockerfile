FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev gettext \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py compilemessages --ignore ".venv/*" \
 && DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --create-home --uid 1000 portal && mkdir -p /data/media && chown portal /data/media
USER portal
EXPOSE 8000
# JSON logs, the access log included (deploy/gunicorn.conf.py); set PROMETHEUS_MULTIPROC_DIR for the
# workers' shared metrics (docker-compose.yml does).
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "imvo_portal.wsgi:application"]
