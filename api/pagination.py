"""Keyset (cursor) pagination with links to the first, previous, next and last page.

A page is found by the position of its first row in an index (``WHERE key > position ORDER BY key
LIMIT n``), never by an offset: page 20,000 of a million declarations costs what page 1 costs.
Sorting is by the options a view offers (``sort_options``, ``sort=-field``); each ends in a unique
column so the order is total.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param

MAX_PAGE_SIZE = 100


class KeysetPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    template = None

    def __init__(self):
        self.page_size = settings.API_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        options = view.sort_options
        value = request.query_params.get("sort") or view.default_sort
        if value not in options:
            raise ValidationError(
                {"sort": [_("Sort by one of: %(options)s.") % {"options": ", ".join(sorted(options))}]}
            )
        return tuple(options[value])

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [_("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as error:  # DRF raises NotFound for a cursor it cannot read: a bad parameter
            raise ValidationError({"cursor": [_("This cursor is not valid; follow the links of a page.")]}) from error

    def get_first_link(self) -> str:
        return remove_query_param(self.base_url, self.cursor_query_param)

    def get_last_link(self) -> str:
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=None))

    def get_paginated_response(self, data):
        links = {
            "self": self.base_url,
            "first": self.get_first_link(),
            "prev": self.get_previous_link(),
            "next": self.get_next_link(),
            "last": self.get_last_link(),
        }
        header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self")
        return Response({"links": links, "results": data}, headers={"Link": header})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri"}
        nullable = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["links", "results"],
            "properties": {
                "links": {
                    "type": "object",
                    "required": ["self", "first", "prev", "next", "last"],
                    "properties": {"self": link, "first": link, "prev": nullable, "next": nullable, "last": link},
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        options = sorted(view.sort_options)
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Position of the page; take it from the links of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page (1 to {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": "sort",
                "required": False,
                "in": "query",
                "description": "Sort order; a leading minus sorts descending.",
                "schema": {"type": "string", "enum": options, "default": view.default_sort},
            },
        ]
