"""The baseline of ``make bench``: the smallest Django app that says hello, with production settings.

Served by the same gunicorn configuration as the portal. ``/static/…`` is whitenoise in front of
Django (its WSGI layer, its cheapest path), serving the bytes the portal's PDF benchmark serves.
"""

import os

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-hello-only")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "hello.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}
USE_TZ = True
WSGI_APPLICATION = "hello.wsgi.application"
