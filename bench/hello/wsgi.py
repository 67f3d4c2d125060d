import os

from django.core.wsgi import get_wsgi_application
from whitenoise import WhiteNoise

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello.settings")
# BENCH_STATIC_DIR holds the PDF the portal serves, so both serve the same bytes.
application = WhiteNoise(get_wsgi_application(), root=os.environ.get("BENCH_STATIC_DIR"), prefix="static/")
