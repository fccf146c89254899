"""``healthstore serve``: the HTTP API (and landing page) over a store, with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from healthstore.cli.options import StoreOption, open_store
from healthstore.cli.output import note
from healthstore.cli.stats import calendar_zone


def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="The port to listen on.")] = 8765,
    max_batch: Annotated[
        int, typer.Option(min=1, metavar="N", help="Most objects in one upload.")
    ] = 10_000,
    max_body_mb: Annotated[
        int, typer.Option(min=1, metavar="MB", help="Largest request body.")
    ] = 64,
    max_upload_gb: Annotated[
        int,
        typer.Option(min=1, metavar="GB", help="Largest file the person uploads in the web app."),
    ] = 32,
    rate_limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="Requests per minute per app (0: no limit).")
    ] = 0,
    deliveries: Annotated[
        bool, typer.Option(help="Send webhook notifications from this process.")
    ] = True,
) -> None:
    """Serve the HTTP API for apps and devices on HOST:PORT until interrupted."""
    import uvicorn

    from healthstore.server import ServerSettings, create_app
    from healthstore.server.access_log import configure_logging
    from healthstore.server.protocol import JSONErrorProtocol

    settings = ServerSettings(
        max_body_bytes=max_body_mb * 1024 * 1024,
        max_upload_bytes=max_upload_gb * 1024**3,
        max_batch=max_batch,
        requests_per_minute=rate_limit,
        deliveries=deliveries,
    )
    with open_store(store) as opened:
        configure_logging()
        app = create_app(opened, settings, zone=calendar_zone(None))
        shown = f"[{host}]" if ":" in host else host
        note(f"serving {opened.directory} on http://{shown}:{port} (API docs at /docs)")
        token = app.state.web.links.issue()
        note(f"sign in (once, within 15 minutes): http://{shown}:{port}/signin/link?token={token}")
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=False,
            log_config=None,
            server_header=False,
            http=JSONErrorProtocol,
        )
