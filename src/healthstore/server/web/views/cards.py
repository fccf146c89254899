"""SMART Health Cards from the browser: the card (a ``.smart-health-card`` file's JSON, a
JWS, or ``shc:/`` QR text) and the keys of the issuers the person trusts (a JWKS, or an
issuer's URL), pasted or read from files by the page; each card verified and kept, or
refused with the check that failed. A small url-encoded form, so it works without script."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.interop.shc.issuers import TrustedIssuers
from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession, check_csrf, read_form
from healthstore.server.web.templating import render
from healthstore.server.web.transfers import page_context, scratch
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)


def _issuers(keys: str) -> TrustedIssuers:
    """The trusted issuers from the keys field: an issuer URL, or a JWKS."""
    text = keys.strip()
    if text.startswith(("https://", "http://")):
        return TrustedIssuers.load(text)
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidArgument(
            "Paste the issuer's JWKS (JSON with a keys list) or its https:// address",
            field="keys",
        ) from None
    trusted = TrustedIssuers()
    trusted.add_jwks(data, None, "the keys given")
    if not trusted.keys:
        raise InvalidArgument(
            "These keys hold no ES256 key a SMART Health Card is signed with", field="keys"
        )
    return trusted


def import_card(store: HealthStore, form: dict[str, str]) -> tuple[dict[str, str], list[Any]]:
    """Errors per field, or the result of each card. The card's text goes to a file of its
    own, so text that happens to name a path on the server is never read as one."""
    errors: dict[str, str] = {}
    card, keys = form.get("card", "").strip(), form.get("keys", "").strip()
    if not card:
        errors["card"] = "Paste the card or choose its file (.smart-health-card, a JWS, shc:/ text)"
    if not keys:
        errors["keys"] = "Give the issuer's keys (a JWKS) or its https:// address"
    issuers = None
    if keys:
        try:
            issuers = _issuers(keys)
        except HealthStoreError as exc:
            errors["keys"] = exc.message
    if errors or issuers is None:
        return errors, []
    name = (form.get("name", "") or "card")[:120]
    path = scratch(store) / f"card-{secrets.token_hex(8)}.txt"
    path.write_text(card, "utf-8")
    try:
        results = store.import_smart_health_cards([path], trusted_issuers=issuers)
    finally:
        path.unlink(missing_ok=True)
    return {}, [replace(r, input=r.input.replace(path.name, name)) for r in results]


@router.post("/transfer/cards")
async def upload_card(request: Request, session: PageSession, store: Store) -> Response:
    form = await read_form(request)
    check_csrf(request, session, form)
    errors, results = await run_in_threadpool(import_card, store, form)
    context = page_context(
        request,
        card_errors=errors,
        card_typed={k: form.get(k, "") for k in ("card", "keys", "name")},
        card_results=results,
    )
    return render(request, "transfer.html", context, 400 if errors else 200)
