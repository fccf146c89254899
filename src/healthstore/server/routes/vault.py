"""``/v1/store/lock`` and ``/v1/store/unlock``: the person locks and unlocks a running
server's encrypted store. Both take the store's passphrase, which is how the person proves
who they are; neither is an app's to call. While locked, reads answer 423 and uploads are
accepted as ``queued``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from healthstore.errors import AuthorizationDenied, DatabaseInaccessible
from healthstore.server import schemas
from healthstore.server.deps import Store
from healthstore.server.jsonio import body_schema, json_response, read_model
from healthstore.server.openapi import COMMON, responses
from healthstore.store import HealthStore

router = APIRouter(tags=["store"])
# The person's passphrase instead of an app's token.
PERSON = (*COMMON, 403, 409, 413, 423, 429)


class PassphraseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    passphrase: str = Field(min_length=1, description="The store's passphrase")


def _check(store: HealthStore, passphrase: str) -> None:
    if store.directory is None:
        raise DatabaseInaccessible("this store has no directory", field="store")
    try:
        HealthStore.verify_passphrase(store.directory, passphrase)
    except DatabaseInaccessible:
        raise AuthorizationDenied("wrong passphrase", field="passphrase") from None


@router.post(
    "/v1/store/lock",
    operation_id="lockStore",
    summary="Lock the store (the person)",
    responses=responses(*PERSON, ok=schemas.LockState),
    openapi_extra=body_schema(PassphraseBody),
)
async def lock_store(request: Request, store: Store) -> Response:
    body = await read_model(request, PassphraseBody)
    await run_in_threadpool(_check, store, body.passphrase)
    await run_in_threadpool(store.lock)
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
    merged = await run_in_threadpool(store.unlock, body.passphrase)
    return json_response({"locked": False, "merged": merged})


@router.get(
    "/v1/store/status",
    operation_id="storeStatus",
    summary="Locked or not",
    responses=responses(*COMMON, ok=schemas.StoreStatus),
)
def store_status(store: Store) -> Response:
    return json_response({"locked": store.locked, "encrypted": store.encrypted})
