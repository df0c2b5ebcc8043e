"""Pages of every API list: 50 records, at most 200 on request (`page_size`)."""

from rest_framework import pagination


class Pages(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
