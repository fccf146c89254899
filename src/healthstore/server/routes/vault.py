"""``/v1/store/lock`` and ``/v1/store/unlock``: the person locks and unlocks a running
server's encrypted store. Both take the store's passphrase, which is how the person proves
who they are; neither is an app's to call. While locked, reads answer 423 and uploads are
accepted as ``queued``.

A passphrase costs a slow key derivation, so guessing is bounded: one derivation runs at a
time (a few more may wait; past them 503), and a client (peer address) that gives wrong
passphrases too often is answered 429 for a while (:mod:`healthstore.server.attempts`).
Unlocking a store that is not locked is 409."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from healthstore.errors import AuthorizationDenied, DatabaseInaccessible, HealthStoreError
from healthstore.server import schemas
from healthstore.server.attempts import FailureLimiter
from healthstore.server.deps import Store
from healthstore.server.errors import Busy, Conflict
from healthstore.server.jsonio import body_schema, json_response, read_model
from healthstore.server.openapi import COMMON, responses
from healthstore.store import HealthStore
from healthstore.vault.kdf_gate import GATE, GateFull

router = APIRouter(tags=["store"])
T = TypeVar("T")
# The person's passphrase instead of an app's token; one key derivation at a time.
PERSON = (*COMMON, 403, 409, 413, 423, 429, 503)


class PassphraseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passphrase: str = Field(min_length=1, description="The store's passphrase")


def client_of(request: Request) -> str:
    """Who is asking, for counting failures: the peer address."""
    return request.client.host if request.client is not None else "unknown"


async def with_passphrase(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` (which derives a key from a passphrase) in a worker thread, counted
    against the client's failures (an error about the passphrase is one) and refused while
    too many derivations wait."""
    state = request.app.state
    limiter: FailureLimiter = state.passphrase_attempts
    with limiter.attempt(client_of(request)) as attempt:
        try:
            with GATE.admitted(state.settings.kdf_waiting):
                result = await run_in_threadpool(work)
        except GateFull:
            raise Busy("the server is checking other passphrases; try again", 1) from None
        except HealthStoreError as exc:
            if exc.field == "passphrase":
                attempt.failed()
            raise
        attempt.succeeded()
        return result


def _vault_lock(request: Request) -> threading.Lock:
    lock: threading.Lock = request.app.state.vault_lock
    return lock


def _check(store: HealthStore, passphrase: str) -> None:
    if store.directory is None:
        raise DatabaseInaccessible("this store has no directory", field="store")
    try:
        HealthStore.verify_passphrase(store.directory, passphrase)
    except DatabaseInaccessible:
        raise AuthorizationDenied("wrong passphrase", field="passphrase") from None


def _not_locked() -> Conflict:
    return Conflict("the store is not locked", field="store")


@router.post(
    "/v1/store/lock",
    operation_id="lockStore",
    summary="Lock the store (the person)",
    responses=responses(*PERSON, ok=schemas.LockState),
    openapi_extra=body_schema(PassphraseBody),
)
async def lock_store(request: Request, store: Store) -> Response:
    body = await read_model(request, PassphraseBody)
    vault_lock = _vault_lock(request)

    def lock() -> None:
        with vault_lock:
            _check(store, body.passphrase)
            store.lock()

    await with_passphrase(request, lock)
    return json_response({"locked": True})


@router.post(
    "/v1/store/unlock",
    operation_id="unlockStore",
    summary="Unlock the store and merge what was written while locked (the person)",
    responses=responses(*PERSON, ok=schemas.LockState),
    openapi_extra=body_schema(PassphraseBody),
)
async def unlock_store(request: Request, store: Store) -> Response:
    body = await read_model(request, PassphraseBody)
    if not store.locked:
        raise _not_locked()
    vault_lock = _vault_lock(request)

    def unlock() -> int:
        with vault_lock:
            if not store.locked:  # another request unlocked it meanwhile
                raise _not_locked()
            return store.unlock(body.passphrase)

    merged = await with_passphrase(request, unlock)
    return json_response({"locked": False, "merged": merged})


@router.get(
    "/v1/store/status",
    operation_id="storeStatus",
    summary="Locked or not",
    responses=responses(*COMMON, ok=schemas.StoreStatus),
)
def store_status(store: Store) -> Response:
    return json_response({"locked": store.locked, "encrypted": store.encrypted})
