"""The HTTP server: a HealthKit-shaped API for apps and devices (FastAPI), a landing page,
and the background delivery of webhooks.

``create_app(store)`` builds the ASGI application; ``healthstore serve`` runs it with uvicorn.
"""

from healthstore.server.app import create_app
from healthstore.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
