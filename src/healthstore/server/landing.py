"""``/health``: the service answers. (``/`` is the person's web app, whose pages link the
API documentation for developers.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the server answers (says nothing about the data)."""
    return {"status": "ok"}
