"""The REST API at /api/ (Django REST framework, schema by drf-spectacular).

Every viewset reads through `Model.objects.visible_to(user)`, checks the same model
permissions as the staff pages, and writes only through `casefiles.services`. `letters`
adds its endpoints through `registry.register_api_viewset` (casefiles knows nothing of
letters)."""
