"""Import and export: upload an Apple ``export.zip`` or a FHIR file (streamed to disk,
never held in memory, under the upload's own size limit), follow its progress, read its
final accounting; download an Apple export, a FHIR bundle, CSV or Parquet files or a
backup."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, JSONResponse, Response

from healthstore.errors import InvalidArgument, NoData
from healthstore.exports.apple import write_export
from healthstore.exports.frames_export import export_frames
from healthstore.server.deps import Store
from healthstore.server.openapi import OWNER, OWNER_WHEN, responses
from healthstore.server.web import UPLOAD_PATH
from healthstore.server.web.auth import ApiSession, PageSession, check_csrf, web_state
from healthstore.server.web.jobs import ImportJob, Jobs, apple_export_problem, follow
from healthstore.server.web.schemas import Upload
from healthstore.server.web.templating import render
from healthstore.server.web.transfers import page_context, scratch, zip_folder
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)
owner_router = APIRouter(tags=["owner"])
"""The JSON endpoint the page's script calls, documented in OpenAPI."""
KINDS = {"apple": ".zip", "fhir": ".json"}
FRAME_FORMATS: dict[str, Literal["csv", "parquet"]] = {"csv": "csv", "parquet": "parquet"}


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.web_jobs
    return jobs


@router.get("/transfer")
async def transfer(request: Request, session: PageSession) -> Response:
    return render(request, "transfer.html", page_context(request))


@owner_router.post(
    UPLOAD_PATH,
    operation_id="ownerUpload",
    summary="Upload a file to import (the person's session)",
    responses=responses(*OWNER, 413, ok=Upload, when=OWNER_WHEN),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload(
    request: Request,
    session: ApiSession,
    store: Store,
    kind: Annotated[str, Query(description="apple (export.zip or export.xml) or fhir")],
    name: Annotated[str, Query(description="The file's name, as the page shows it")] = "upload",
    source: Annotated[str, Query(description="The source of FHIR records")] = "",
) -> Response:
    """The request body is the file itself, written to disk as it arrives; ``kind`` is
    ``apple`` or ``fhir``. Its size limit is the upload's own (``--max-upload-gb``), not the
    API's body limit. Answers the import job's id; follow it at ``/transfer/jobs/{id}``."""
    check_csrf(request, session)
    if kind not in KINDS:
        raise InvalidArgument("kind must be apple or fhir", field="kind")
    name = name[:200]
    path = scratch(store) / f"upload-{secrets.token_hex(8)}{KINDS[kind]}"
    try:
        with path.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if kind == "apple":
        problem = apple_export_problem(path)
        if problem:
            path.unlink(missing_ok=True)
            raise InvalidArgument(problem, field="file")
    source = source or "Uploaded records"

    def work(file: Path, job: ImportJob) -> dict[str, Any]:
        if kind == "apple":
            return store.import_apple_health(file, follow(job)).to_json()
        summary = store.import_fhir(file, source=source)
        return {"samples_added": sum(summary.added.values()), "fhir": _plain(summary)}

    job = _jobs(request).start(kind, name, path, work)
    return JSONResponse({"job": job.id, "url": f"/transfer/jobs/{job.id}"})


def _plain(summary: Any) -> Any:
    to_json = getattr(summary, "to_json", None)
    return to_json() if callable(to_json) else str(summary)


@router.get("/transfer/jobs/{job_id}")
async def job_page(request: Request, session: PageSession, job_id: str) -> Response:
    job = _jobs(request).get(job_id)
    if job is None:
        raise NoData("no such import", field="job")
    fragment = request.headers.get("hx-request") == "true"
    return render(request, "job.html", {"job": job, "fragment": fragment})


def _download(path: Path, filename: str, media: str) -> FileResponse:
    return FileResponse(
        path,
        media_type=media,
        filename=filename,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get("/transfer/export/{what}")
async def export(request: Request, session: PageSession, store: Store, what: str) -> Response:
    """Write an export beside the store, send it, delete it."""
    folder = scratch(store)
    token = secrets.token_hex(8)
    if what == "apple":
        path = folder / f"export-{token}.zip"
        await run_in_threadpool(write_export, store, path)
        return _download(path, "export.zip", "application/zip")
    if what == "fhir":
        path = folder / f"fhir-{token}.json"
        await run_in_threadpool(store.export_fhir, path)
        return _download(path, "healthstore-fhir.json", "application/fhir+json")
    if what == "backup":
        path = await run_in_threadpool(store.backup, folder / f"backup-{token}.zip")
        return _download(path, "healthstore-backup.zip", "application/zip")
    if what in FRAME_FORMATS:
        fmt = FRAME_FORMATS[what]
        path = await run_in_threadpool(_frames, store, folder, token, fmt)
        return _download(path, f"healthstore-{what}.zip", "application/zip")
    raise NoData(f"no export {what!r}", field="what")


def _frames(store: HealthStore, folder: Path, token: str, fmt: Literal["csv", "parquet"]) -> Path:
    """A file per type (the analyst's export, through the person's view), zipped."""
    files = folder / f"{fmt}-{token}"
    export_frames(store, [], files, fmt)
    return zip_folder(files, folder / f"{fmt}-{token}.zip")


def install_jobs(app: Any) -> None:
    app.state.web_jobs = Jobs()


__all__ = ["install_jobs", "web_state"]
