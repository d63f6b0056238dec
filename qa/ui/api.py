"""The HTTP API beside the chat: plain JSON for programs, described by OpenAPI at ``/api/docs``.

:func:`build_api` makes a FastAPI app that :func:`qa.ui.app.launch` mounts under ``/api`` on
Gradio's own FastAPI app, so it answers on the chat's port, from the chat's pipeline
(:class:`~qa.ui.shared.Shared`):

- ``POST /api/ask``: ``{"question", "history", "top_k", "threshold"}`` -> ``Answer.to_dict()``
- ``GET /api/documents``: the rows of ``qa list --json``
- ``POST /api/documents`` (multipart field ``file``) and ``DELETE /api/documents/{name}``: ``qa add``
  and ``qa remove``, index updated incrementally; they need ``QA_API_KEY`` as a bearer token
- ``GET /api/health``: ready, or still loading, with the corpus and the reader in use

Every error is ``{"error": "one line"}`` with its status: 400 a bad question or setting, 401/403 no
key, 404 no such document, 409 a name taken, 413 too large, 415 not a supported type, 422 a file
that cannot be read, 503 (with ``Retry-After``) while the models load. A body is refused by its
size before it is read; a bug answers 500 and leaves its traceback in the server's log only.
"""

from __future__ import annotations

import hmac
import ipaddress
import shutil
import tempfile
import unicodedata
from functools import partial
from pathlib import Path

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline  # Swagger UI served from the package, not from a CDN
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.corpus.documents import SUPPORTED_NAMES, SUPPORTED_SUFFIXES, describe_size
from qa.errors import NameTakenError, QAError, QuestionTooLongError, UnknownDocumentError
from qa.library import add_files, list_documents, remove_file
from qa.presentation import error_message
from qa.ui.shared import Shared

API_PREFIX = "/api"
#: Seconds a client is told to wait while the models load.
RETRY_AFTER_S = 2
#: The largest JSON request: a question of max_question_chars and a long history fit many times over.
MAX_JSON_BYTES = 1024 * 1024
#: Room for the multipart framing around an uploaded file of the largest size allowed.
MULTIPART_OVERHEAD = 64 * 1024


class AskRequest(BaseModel):
    """A question, as ``qa.ask`` takes it."""

    # A misspelt field ("topk") is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="the question")
    history: list[tuple[str, str | None]] = Field(
        default_factory=list, description="earlier turns, oldest first, as [question, answer text or null]")
    top_k: int | None = Field(None, description="passages read (default: the server's top_k)")
    threshold: float | None = Field(None, description="answer only at or above this confidence, 0 to 1 "
                                                      "(default: the reader's)")


class Error(BaseModel):
    error: str


def fail(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPException:
    """The exception that answers ``{"error": message}`` with ``status``."""
    return HTTPException(status, detail=message, headers=headers)


def _errors(*statuses: int) -> dict:
    """OpenAPI's description of the error answers a route can give."""
    return {status: {"model": Error} for status in statuses}


def build_api(shared: Shared, *, api_key: str | None = None) -> FastAPI:
    """The API over ``shared``; library changes need ``api_key`` as a bearer token (None refuses them)."""
    api = FastAPIOffline(title="qa HTTP API", version="1", docs_url="/docs", redoc_url=None,
                         openapi_url="/openapi.json", static_url="/docs-static",
                         description="Extractive, cited answers from the documents this server holds.")
    upload_limit = shared.pipeline.settings.max_file_bytes + MULTIPART_OVERHEAD
    api.add_middleware(BodyLimit, limit=lambda scope: upload_limit if _is_upload(scope) else MAX_JSON_BYTES)
    _add_error_answers(api)
    _add_asking(api, shared)
    _add_health(api, shared)
    _add_library(api, shared, _key_check(api_key))
    return api


# --- errors and limits ------------------------------------------------------------------------------

def _error(status: int, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _add_error_answers(api: FastAPI) -> None:
    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = str(exc.detail)
        if message in ("Not Found", "Method Not Allowed"):  # Starlette's own words: no such route
            message = f"no {request.method} {request.url.path} here; the endpoints are described at {API_PREFIX}/docs"
        return _error(exc.status_code, message, exc.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        return _error(400, validation_message(exc))

    @api.exception_handler(Exception)
    async def bug(request, exc: Exception):  # the traceback goes to the server's log, not to the client
        return _error(500, "internal error; the server's log has the details")


def validation_message(exc: RequestValidationError) -> str:
    """The first problem FastAPI found in a request, as one line: "top_k: Input should be a valid integer"."""
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))


def _is_upload(scope) -> bool:
    return scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/documents")


class BodyLimit:
    """ASGI middleware: a request body over ``limit(scope)`` bytes is refused with 413, at once when its
    Content-Length says so, or as soon as the bytes received pass the limit; it is never read whole."""

    def __init__(self, app, limit) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit(scope)
        message = f"the request is over the limit of {describe_size(limit)}"
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return await _error(413, message)(scope, receive, send)
        received = 0

        async def counted():
            nonlocal received
            event = await receive()
            received += len(event.get("body", b""))
            if received > limit:
                raise fail(413, message)  # FastAPI lets an HTTPException out of its body parsing as it is
            return event

        await self.app(scope, counted, send)


def _require_ready(shared: Shared) -> None:
    if shared.ready:
        return
    if shared.startup.error is not None:
        raise fail(503, f"the server could not load its models or index: {shared.startup.error}")
    raise fail(503, "the models and the index are still loading; try again shortly",
               {"Retry-After": str(RETRY_AFTER_S)})


def _key_check(api_key: str | None):
    """A dependency that lets a request through only with ``Authorization: Bearer <api_key>``."""
    bearer = HTTPBearer(auto_error=False, description="the server's QA_API_KEY")

    async def check(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if not api_key:
            raise fail(403, "this server's library cannot be changed through the API: start it with "
                            "QA_API_KEY set")
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), api_key.encode()):  # constant time: no guessing by timing
            raise fail(401, "a valid API key is needed to change the library: send Authorization: Bearer <key>",
                       {"WWW-Authenticate": "Bearer"})

    return check


def exposure_warning(host: str, api_key: str | None) -> str | None:
    """What to tell someone serving on ``host``, reachable from other machines, without an API key."""
    if api_key or is_loopback(host):
        return None
    return (f"{host} is not a loopback address and QA_API_KEY is not set: anyone who can reach this port can ask "
            "questions (the chat and POST /api/ask), and the API refuses every library change")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


# --- asking -------------------------------------------------------------------------------------------

def _add_asking(api: FastAPI, shared: Shared) -> None:
    # API clients wait for a place here, in the event loop, rather than on worker threads that Gradio
    # shares: a crowd of them cannot starve the chat. Shared.ask then takes one of the places common to both.
    waiting = anyio.CapacityLimiter(shared.concurrency)

    @api.post("/ask", summary="Answer a question: Answer.to_dict()", responses=_errors(400, 413, 503))
    async def ask(request: AskRequest) -> dict:
        _require_ready(shared)
        _check_options(shared, request)
        ask = partial(shared.ask, request.question, history=request.history, top_k=request.top_k,
                      threshold=request.threshold)
        try:
            answer = await anyio.to_thread.run_sync(ask, limiter=waiting)
        except QuestionTooLongError as exc:
            raise fail(413, error_message(exc)) from exc
        except ValueError as exc:  # QuestionError among them
            raise fail(400, error_message(exc)) from exc
        except QAError as exc:
            raise fail(500, error_message(exc)) from exc
        return answer.to_dict()


def _check_options(shared: Shared, request: AskRequest) -> None:
    """top_k and threshold held to the bounds their settings declare (qa.config)."""
    given = {"top_k": request.top_k, "answer_threshold": request.threshold}
    try:
        shared.pipeline.settings.replace(**{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise fail(400, error_message(exc)) from exc


def _add_health(api: FastAPI, shared: Shared) -> None:
    @api.get("/health", summary="Ready, or still loading, with the corpus and reader in use",
             responses={503: {"description": "still loading (with Retry-After), or failed to load"}})
    async def health() -> JSONResponse:
        status, body = _health(shared)
        loading = body["status"] == "loading"
        return JSONResponse(body, status_code=status, headers={"Retry-After": str(RETRY_AFTER_S)} if loading else None)


def _health(shared: Shared) -> tuple[int, dict]:
    pipeline, startup = shared.pipeline, shared.startup
    body = {"status": "ready", "reader": {"source": str(pipeline.reader.source),
                                          "shipped": pipeline.settings.reader is None},
            "corpus": {"paths": list(pipeline.settings.corpus_paths)}}
    if startup.error is not None:
        return 503, {**body, "status": "failed", "error": startup.error}
    if not startup.done.is_set():
        return 503, {**body, "status": "loading", "step": startup.steps[-1] if startup.steps else "Starting"}
    index = pipeline.search_index()
    body["corpus"].update(documents=len(pipeline.documents), passages=len(index.chunks),
                          store=pipeline.settings.store_location,
                          not_indexed=[error_message(problem) for problem in pipeline.index.skipped])
    return 200, body


# --- the library ----------------------------------------------------------------------------------------

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": f"one {SUPPORTED_NAMES} file, stored under its own file name"}}}}}}}


def _add_library(api: FastAPI, shared: Shared, key_check) -> None:
    settings = shared.pipeline.settings

    @api.get("/documents", summary="The corpus's documents, as qa list --json", responses=_errors(503))
    def documents() -> list[dict]:
        _require_ready(shared)
        return [row.to_dict() for row in list_documents(shared.pipeline)]

    # The body is parsed here, after the key was checked, not by FastAPI before it: a request without
    # the key is refused before a byte of its file is read.
    @api.post("/documents", summary="Add a document to the library, as qa add", status_code=201,
              dependencies=[Depends(key_check)], openapi_extra=UPLOAD_BODY,
              responses=_errors(400, 401, 403, 409, 413, 415, 422, 503))
    async def add_document(request: Request) -> dict:
        _require_ready(shared)
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise fail(400, "send the document as multipart/form-data, in a field named 'file'")
            name = upload_name(upload.filename)
            if upload.size is not None and upload.size > settings.max_file_bytes:
                raise fail(413, f"{name} is {describe_size(upload.size)}; the limit is "
                                f"{describe_size(settings.max_file_bytes)}")
            return await anyio.to_thread.run_sync(_add, shared, upload, name)

    @api.delete("/documents/{name}", summary="Remove a document from the library, as qa remove",
                dependencies=[Depends(key_check)], responses=_errors(401, 403, 404, 409, 503))
    def remove_document(name: str) -> dict:
        _require_ready(shared)
        try:
            with shared.library_lock:
                removed = remove_file(settings, name)
                shared.pipeline.reload()
        except UnknownDocumentError as exc:
            raise fail(404, error_message(exc)) from exc
        except QAError as exc:  # two files answer to that name, or the corpus would be left empty
            raise fail(409, error_message(exc)) from exc
        return {"removed": removed.name, "documents": len(shared.pipeline.documents)}


def upload_name(raw: str | None) -> str:
    """The name an uploaded file is stored under: its own name when that is a plain file name of a supported
    type. A path ("../x.txt"), a hidden or odd name is refused (400), another type too (415)."""
    name = (raw or "").strip()
    plain = (name == Path(name).name and "\\" not in name and not name.startswith(".")
             and not any(unicodedata.category(ch).startswith("C") for ch in name) and len(name.encode()) <= 255)
    if not name or not plain:
        raise fail(400, f"{raw!r} is not a plain file name (no folders, no leading dot, no control characters)")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise fail(415, f"{name}: unsupported file type {suffix or '(none)'}; use {SUPPORTED_NAMES}")
    return name


def _add(shared: Shared, upload: UploadFile, name: str) -> dict:
    """Add the upload like ``qa add``: copied to a temporary folder, read (and so checked), only then copied
    into the library, and the index updated, all under the library lock."""
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        try:
            with shared.library_lock:
                result = add_files(shared.pipeline.settings, [path])
                if result.added:
                    shared.pipeline.reload()
                embedded = shared.pipeline.index.chunks_embedded
        except QAError as exc:  # the corpus has no folder to add to, or the index cannot be updated
            raise fail(409, error_message(exc)) from exc
    if result.refused:
        problem = result.refused[0]
        raise fail(409 if isinstance(problem, NameTakenError) else 422, error_message(problem))
    row = next((r.to_dict() for r in list_documents(shared.pipeline) if r.file == name), {"file": name})
    return {**row, "replaced": name in result.replaced, "chunks_embedded": embedded}
