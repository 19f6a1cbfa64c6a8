"""The OpenAPI 3.1 document of ``/api/v1``."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_ERRORS = {
    "401": _error("missing or unknown API token"),
    "403": _error("the token's staff member may not do this (role or org scope)"),
    "404": _error("unknown case or task"),
    "409": _error("someone else changed the task or case first"),
    "422": _error("invalid form data; `fields` maps each bad field to a message"),
}


def _op(
    summary: str,
    ok: str,
    *,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    status: str = "200",
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {"description": ok, "content": {"application/json": {"schema": {"type": "object"}}}},
            **_ERRORS,
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = enum
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_DATA = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "data": {
                    "type": "object",
                    "description": "form fields of the task (see the case's `tasks[].fields`)",
                }
            },
        }
    }
}
_OPEN = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "process": {"type": "string", "default": "complaint"},
                "data": {
                    "type": "object",
                    "description": "the start form's fields (customer_name, customer_phone, room, …)",
                },
            },
        }
    }
}
_FILE = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "stage": {"type": "string", "description": "a repair photo's stage (repair.photo_stages)"},
            },
        }
    }
}


def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/v1/openapi.json``."""
    number, task = _path_param("number"), _path_param("task_id")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kefu 客服 API",
            "version": "1.0.0",
            "description": "Cases and tasks for integrations (400 hotline, WeChat, app). Authenticate with "
            "`Authorization: Bearer <token>`; tokens are created with `kefu api-token LOGIN` "
            "and act with that staff member's roles and org scope.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/cases": {
                "post": _op("Open a case", "the case number and dispatch deadline", body=_OPEN, status="201")
            },
            "/cases/{number}": {"get": _op("Read a case with its open tasks", "the case", params=[number])},
            "/cases/{number}/timeline": {"get": _op("A case's history", "audit events", params=[number])},
            "/cases/{number}/attachments": {
                "post": _op(
                    "Attach a photo, video or PDF",
                    "the attachment",
                    body=_FILE,
                    params=[number],
                    status="201",
                )
            },
            "/tasks": {
                "get": _op(
                    "List my tasks",
                    "a page of tasks with tab counts",
                    params=[
                        _query("view", "inbox tab", ["mine", "queue", "overdue", "all"]),
                        _query("q", "search by case number, room, phone or customer name"),
                        _query("category", "category code"),
                        _query(
                            "sort", "sort key", ["due", "-due", "created", "-created", "number", "-number"]
                        ),
                        _query("page", "page number from 1"),
                    ],
                )
            },
            "/tasks/{task_id}/claim": {
                "post": _op("Claim a task from the group queue", "claimed", params=[task])
            },
            "/tasks/{task_id}/release": {
                "post": _op("Give a task back to its queue", "released", params=[task])
            },
            "/tasks/{task_id}/complete": {
                "post": _op("Complete a task", "completed", body=_DATA, params=[task])
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string", "examples": ["kefu.E403", "form.E001"]},
                                "message": {"type": "string"},
                                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        }
                    },
                }
            },
        },
    }
