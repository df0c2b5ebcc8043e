"""Back-office views of our own: the checked "view on site" shortcut."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def admin_shortcut(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The back office's "view on site" link, for records the user may see."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut

    from people.admin_visibility import shortcut_allowed

    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    if model is None or not shortcut_allowed(request, model, object_id):
        raise Http404("No such record.")
    return shortcut(request, content_type_id, object_id)
