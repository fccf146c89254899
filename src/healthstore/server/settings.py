"""Server settings: read by the command line, passed in; never read from the environment at
import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServerSettings:
    """Limits and switches of one server."""

    max_body_bytes: int = 64 * 1024 * 1024
    """Request bodies larger than this are refused with 413 before they are read whole."""
    max_upload_bytes: int = 32 * 1024**3
    """The person's file upload in the web app (``POST /owner/api/uploads``: an Apple
    ``export.zip`` can be gigabytes) has this limit instead; its body streams to disk."""
    max_batch: int = 10_000
    """Most objects in one upload; more is refused with 413 before any is parsed."""
    max_page: int = 10_000
    """Most samples one page of ``GET /v1/samples`` or ``/v1/changes`` returns."""
    requests_per_minute: int = 0
    """Per app token; more gets 429 with Retry-After. 0: no limit."""
    passphrase_failures: int = 5
    """Wrong passphrases one client (peer address) may give to lock or unlock within a
    minute; then 429 with Retry-After until the oldest leaves the minute."""
    kdf_waiting: int = 8
    """Most passphrase checks waiting for the one key derivation that runs at a time; more
    get 503 with Retry-After."""
    live_keepalive_s: float = 15.0
    """Seconds a live statistics stream stays silent before it sends a keep-alive comment
    and checks that its client is still there: a closed stream is noticed (and its live
    query stopped) within this long."""
    deliveries: bool = True
    """Send webhook notifications from this process."""
    delivery_options: dict[str, Any] = field(default_factory=dict)
    """Passed to :class:`~healthstore.delivery.worker.DeliveryWorker`."""

    def __post_init__(self) -> None:
        if not self.live_keepalive_s > 0:
            raise ValueError(f"live_keepalive_s must be > 0 seconds, not {self.live_keepalive_s!r}")
