"""The OpenAPI document: every operation names its OAuth 2 scope and documents its problem answers."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema

PROBLEM_RESPONSES = {
    "400": "The request is not valid (the parameters are named in invalid_params).",
    "401": "No valid access token.",
    "403": "The token's scopes or the permission layer do not allow this.",
    "404": "Not found.",
    "409": "The current state does not allow this (e.g. no seat left).",
    "429": "Too many requests from this client; see Retry-After.",
}


class ApiAutoSchema(AutoSchema):
    def get_auth(self):
        scope = getattr(self.view, "required_scopes", {}).get(self.method)
        return [{"clientCredentials": [scope]}] if scope else []


def problems_everywhere(result, generator, request, public):
    """Add the Problem schema (RFC 9457), the security scheme and the problem answers of every operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string", "description": "In Dutch or English (Accept-Language)."},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "invalid_params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "reason"],
                    "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
    }
    components["securitySchemes"] = {
        "clientCredentials": {
            "type": "oauth2",
            "description": "OAuth 2 client credentials; tokens live a few minutes. See docs/api.md.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/v1/oauth/token/",
                    "scopes": dict(settings.API_SCOPES),
                }
            },
        }
    }
    version_header = {
        "API-Version": {"description": "Full version of the API (major.minor.patch).", "schema": {"type": "string"}}
    }
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, text in PROBLEM_RESPONSES.items():
                if code == "409" and method == "get":
                    continue
                responses.setdefault(code, {"description": text, "content": problem})
            for response in responses.values():
                response.setdefault("headers", {}).update(version_header)
    return result
