"""The person's web sessions: a random id in an HttpOnly cookie, kept server-side with its
CSRF token. :class:`SessionStore` is the interface; :class:`MemorySessions` keeps them in
this process (the embedded store), a PostgreSQL deployment can keep them in a table."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

COOKIE = "hs_session"
IDLE_S = 30 * 60
"""A session unused this long is over (the person signs in again)."""
LONGEST_S = 12 * 3600
"""No session outlives this, used or not."""


@dataclass
class Session:
    """One signed-in browser."""

    id: str
    csrf: str
    created: float
    last_seen: float


class SessionStore(Protocol):
    """Where sessions live."""

    def create(self) -> Session: ...
    def get(self, session_id: str) -> Session | None: ...
    def end(self, session_id: str) -> None: ...
    def end_all(self) -> None: ...


class MemorySessions:
    """Sessions in a dict, expired by idleness and by age."""

    def __init__(
        self,
        idle_s: float = IDLE_S,
        longest_s: float = LONGEST_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_s = idle_s
        self.longest_s = longest_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._forget_expired(now)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_all(self) -> None:
        with self._lock:
            self._sessions.clear()

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen > self.idle_s or now - session.created > self.longest_s

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[key]


class SignInLinks:
    """One-time sign-in tokens (the link ``serve`` prints): each works once, for
    ``valid_s`` seconds."""

    def __init__(self, valid_s: float = 15 * 60, clock: Callable[[], float] = time.monotonic):
        self.valid_s = valid_s
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = self._clock() + self.valid_s
        return token

    def redeem(self, token: str) -> bool:
        """True once for a live token; it is spent either way."""
        now = self._clock()
        with self._lock:
            for known in list(self._tokens):
                if hmac.compare_digest(known.encode(), token.encode()):
                    return self._tokens.pop(known) >= now
        return False
