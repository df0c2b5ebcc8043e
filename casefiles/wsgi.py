"""The WSGI entry point (`make serve` runs it under gunicorn).

Once the app is loaded, its long-lived objects (modules, URL patterns, templates' code,
settings) are moved out of the cyclic garbage collector's sight with `gc.freeze()`: they
never become garbage, yet each full collection walked all ~170,000 of them, which cost
a page that reads a few hundred rows some 20 ms of CPU."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casefiles.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Import what the first request would: every view and form behind the URL patterns."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and the views)


_warm_up()
gc.freeze()
