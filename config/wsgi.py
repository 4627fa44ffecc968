"""The WSGI application of the production stack (gunicorn, config/gunicorn.conf.py).

Each web process loads what the first requests would otherwise load while a user waits (about half a second):
every URL's views, and the chart renderer's JavaScript engine. gunicorn starts a new process at every recycle
(max_requests), so this is paid at each start, never by a page."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402 (after the settings are loaded)

from ctg.charts.render import warm_up  # noqa: E402 (after the settings are loaded)

get_resolver().url_patterns  # noqa: B018 (imports every view module)
warm_up()
