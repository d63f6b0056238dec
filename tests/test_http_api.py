"""The HTTP API (#28): the real ``qa serve`` on a loopback port, asked with httpx; the shipped reader,
a real PDF, a real library folder. Then the pieces that need no server: file names, the warning,
the starting page, and the 503 while the models load."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from qa.types import Answer
from tests.conftest import ARTICLE, ROOT
from tests.doc_files import write_pdf, write_scanned_pdf
from ui_helpers import free_port

KEY = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {KEY}"}
FIGHTERS = "How many fighters are estimated to be affiliated with ISIS-K?"
LIGHTHOUSE = "Who keeps the lighthouse on Skellig Point?"


@dataclass
class Server:
    url: str
    env: dict
    library: Path
    root: Path
    #: Every reply to GET /api/health from the moment the process started until it said ready.
    health: list[httpx.Response]


def _library_state(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``qa serve`` as users start it, with the article in a library folder, a key and a 1 MB file limit."""
    root = tmp_path_factory.mktemp("api-server")
    library = root / "library"
    library.mkdir()
    shutil.copy(ARTICLE, library)
    env = {**os.environ, "QA_CORPUS": str(library), "QA_INDEX_DIR": str(root / "index"), "QA_API_KEY": KEY,
           "QA_FEEDBACK_FILE": str(root / "feedback.jsonl"), "QA_MAX_FILE_MB": "1"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (root / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    health = []
    try:
        deadline = time.monotonic() + 240
        while not health or health[-1].status_code != 200:
            assert process.poll() is None and time.monotonic() < deadline, (root / "serve.log").read_text()
            try:
                health.append(httpx.get(f"{url}/api/health", timeout=10))
            except httpx.TransportError:  # not listening yet, or the chat taking the port over
                pass
            time.sleep(0.1)
        yield Server(url=url, env=env, library=library, root=root, health=health)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def api(server: Server, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{server.url}/api{path}", timeout=120, **kwargs)


def error_of(reply: httpx.Response) -> str:
    """The one-line message of an error reply, after checking that it is nothing but that."""
    body = reply.json()
    assert list(body) == ["error"] and "\n" not in body["error"] and "Traceback" not in body["error"], body
    return body["error"]


slow = pytest.mark.slow


@slow
def test_health_is_503_with_retry_after_until_ready_then_names_the_corpus_and_reader(server):
    waiting, ready = server.health[:-1], server.health[-1]
    assert waiting, "the port answered ready at once: nothing said it was loading"
    for reply in waiting:  # the starting page first, then the API while the models load
        assert reply.status_code == 503 and int(reply.headers["Retry-After"]) > 0
        body = reply.json()
        assert body.get("status") == "loading" or list(body) == ["error"], body
    assert list(waiting[0].json()) == ["error"]  # the starting page held the port before Gradio was imported
    body = ready.json()
    assert body["status"] == "ready" and "Retry-After" not in ready.headers
    assert body["reader"] == {"source": str(ROOT / "qa" / "models" / "reader"), "shipped": True}
    assert body["corpus"]["documents"] == 1 and body["corpus"]["passages"] == 38
    assert body["corpus"]["paths"] == [str(server.library)] and body["corpus"]["not_indexed"] == []


@slow
def test_ask_returns_the_answer_dict_with_exact_offsets_and_follows_up(server, article_text):
    reply = api(server, "POST", "/ask", json={"question": FIGHTERS})
    assert reply.status_code == 200
    answer = reply.json()
    assert set(answer) == set(Answer(question="", text=None, score=0.0).to_dict())  # Answer.to_dict(), whole
    c = answer["citation"]
    assert answer["text"] == "2,000" == article_text[c["start"]:c["end"]]
    assert c["label"] == "¶18 · How big is its membership?"
    follow = api(server, "POST", "/ask", json={"question": "Where is his organisation based?", "top_k": 3,
                                                "threshold": 0.2, "history": [["Who is Colin Clarke?", None]]})
    assert follow.status_code == 200
    assert follow.json()["rewritten_question"] == "Where is Colin Clarke's organisation based?"
    assert len(follow.json()["passages"]) <= 3


@slow
@pytest.mark.parametrize("method,path,kwargs,status,words", [
    ("POST", "/ask", {"json": {"question": "   "}}, 400, "the question is empty"),
    ("POST", "/ask", {"json": {"question": "Who?", "top_k": 0}}, 400, "top_k must be at least 1"),
    ("POST", "/ask", {"json": {"question": "Who?", "threshold": 1.5}}, 400, "between 0 and 1"),
    ("POST", "/ask", {"json": {"question": "Who?", "topk": 3}}, 400, "topk"),
    ("POST", "/ask", {"json": {"history": []}}, 400, "question"),
    ("POST", "/ask", {"content": b'{"question": ', "headers": {"Content-Type": "application/json"}}, 400,
     "not valid JSON"),
    ("POST", "/ask", {"json": {"question": "w" * 2001}}, 413, "too long (2001 characters; the limit is 2000)"),
    ("POST", "/ask", {"json": {"question": "w" * (1024 * 1024)}}, 413, "over the limit of 1.0 MB"),
    ("GET", "/nothing", {}, 404, "/api/docs"),
    ("DELETE", "/documents/nothing.txt", {"headers": AUTH}, 404, "no document named 'nothing.txt'"),
])
def test_mistakes_get_their_status_and_one_line(server, method, path, kwargs, status, words):
    reply = api(server, method, path, **kwargs)
    assert reply.status_code == status, reply.text
    assert words in error_of(reply)


@slow
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}],
                         ids=["missing", "wrong", "not-bearer"])
def test_library_changes_need_the_key(server, tmp_path, headers):
    before = _library_state(server.library)
    notes = tmp_path / "notes.txt"
    notes.write_text("Ferry notes\n\nThe ferry leaves the east quay at nine.\n")
    added = api(server, "POST", "/documents", files={"file": ("notes.txt", notes.read_bytes())}, headers=headers)
    removed = api(server, "DELETE", f"/documents/{ARTICLE.name}", headers=headers)
    for reply in (added, removed):
        assert reply.status_code == 401 and reply.headers["WWW-Authenticate"] == "Bearer"
        assert "API key" in error_of(reply)
    assert _library_state(server.library) == before


@slow
def test_a_pdf_added_through_the_api_is_listed_answered_with_its_page_and_removed(server, tmp_path):
    from gradio_client import Client

    pdf = write_pdf(tmp_path / "harbour.pdf")
    added = api(server, "POST", "/documents", files={"file": ("harbour.pdf", pdf.read_bytes())}, headers=AUTH)
    assert added.status_code == 201, added.text
    assert added.json() == {"file": "harbour.pdf", "title": "The Harbour Trust", "chunks": 4, "pages": 3,
                            "in_library": True, "replaced": False, "chunks_embedded": 4}
    assert (server.library / "harbour.pdf").read_bytes() == pdf.read_bytes()
    listed = api(server, "GET", "/documents").json()
    cli = subprocess.run([sys.executable, "-m", "qa", "list", "--json"], cwd=ROOT, env=server.env,
                         capture_output=True, text=True, timeout=300)
    assert listed == [json.loads(line) for line in cli.stdout.splitlines()]  # what qa list --json gives
    answer = api(server, "POST", "/ask", json={"question": LIGHTHOUSE}).json()
    assert (answer["text"], answer["citation"]["doc_id"], answer["citation"]["page"]) == ("Tomas Berg", "harbour", 2)
    chat = Client(f"{server.url}/", verbose=False).predict(LIGHTHOUSE, api_name="/ask")  # the chat's pipeline
    assert chat["citation"] == answer["citation"]

    removed = api(server, "DELETE", "/documents/harbour.pdf", headers=AUTH)
    assert removed.status_code == 200 and removed.json() == {"removed": "harbour.pdf", "documents": 1}
    assert not (server.library / "harbour.pdf").exists()
    assert [row["file"] for row in api(server, "GET", "/documents").json()] == [ARTICLE.name]
    after = api(server, "POST", "/ask", json={"question": LIGHTHOUSE}).json()
    assert all(p["chunk"]["doc_id"] != "harbour" for p in after["passages"])


@slow
def test_refused_uploads_write_nothing(server, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Ferry notes\n\nThe ferry leaves the east quay at nine.\n")
    big = tmp_path / "big.txt"
    big.write_text("Big notes\n\n" + "The quay is long. " * 80_000)  # 1.4 MB: over the 1 MB limit
    edge = tmp_path / "edge.txt"
    edge.write_text("Edge notes\n\n" + "x" * (1024 * 1024))  # just over: the body fits, the file does not
    cases = [(notes, "../../evil.txt", 400, "not a plain file name"),
             (notes, "sub/evil.txt", 400, "not a plain file name"),
             (notes, ".evil.txt", 400, "not a plain file name"),
             (notes, "evil.exe", 415, "unsupported file type .exe"),
             (big, "big.txt", 413, "over the limit"),
             (edge, "edge.txt", 413, "the limit is 1.0 MB"),
             (write_scanned_pdf(tmp_path / "scan.pdf"), "scan.pdf", 422, "scan.pdf has no text layer"),
             (notes, "cbc-explains-isis-k.md", 409, "already in the corpus")]
    before, listed = _library_state(server.library), api(server, "GET", "/documents").json()
    for path, name, status, words in cases:
        reply = api(server, "POST", "/documents", files={"file": (name, path.read_bytes())}, headers=AUTH)
        assert reply.status_code == status, (name, reply.text)
        assert words in error_of(reply), name
    assert _library_state(server.library) == before
    assert not list(server.root.rglob("evil*")) and not (tmp_path.parent / "evil.txt").exists()
    assert api(server, "GET", "/documents").json() == listed


@slow
def test_the_openapi_page_describes_every_endpoint_and_loads_nothing_from_outside(server):
    page = api(server, "GET", "/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert not re.search(r"https?://", page.text)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    assert assets and all(a.startswith("/api/") for a in assets)
    assert all(httpx.get(server.url + a).status_code == 200 for a in assets)
    schema = api(server, "GET", "/openapi.json").json()
    assert set(schema["paths"]) == {"/ask", "/documents", "/documents/{name}", "/health"}
    assert schema["servers"] == [{"url": "/api"}]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert schema["paths"]["/documents"]["post"]["security"] == [{"HTTPBearer": []}]


# --- no server ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["../evil.txt", "a/b.txt", "a\\b.txt", "..", ".env.txt", "", "  ", None,
                                 "evil\x00.txt", "line\nbreak.txt", "x" * 300 + ".txt"])
def test_upload_names_that_are_not_plain_are_refused(raw):
    from fastapi import HTTPException

    from qa.ui.api import upload_name

    with pytest.raises(HTTPException) as refused:
        upload_name(raw)
    assert refused.value.status_code == 400


def test_upload_names_keep_a_plain_name_and_check_its_type():
    from fastapi import HTTPException

    from qa.ui.api import upload_name

    assert upload_name(" Annual report 2024.PDF ") == "Annual report 2024.PDF"
    assert upload_name("notes.md") == "notes.md"
    with pytest.raises(HTTPException) as refused:
        upload_name("setup.exe")
    assert refused.value.status_code == 415


def test_serving_beyond_loopback_without_a_key_warns():
    from qa.config import ServeSettings
    from qa.ui.api import exposure_warning

    assert ServeSettings.from_env({"QA_API_KEY": "s3cret"}).api_key == "s3cret"
    assert ServeSettings.from_env({}).api_key is None
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert exposure_warning(host, None) is None, host
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        assert "QA_API_KEY is not set" in exposure_warning(host, None), host
        assert exposure_warning(host, "s3cret") is None


def test_the_starting_page_answers_api_clients_in_json():
    from qa.ui.starting import StartingPage

    port = free_port()
    page = StartingPage("127.0.0.1", port).start()
    try:
        for method in ("GET", "POST", "DELETE"):
            reply = httpx.request(method, f"http://127.0.0.1:{port}/api/health", timeout=10)
            assert reply.status_code == 503 and reply.headers["Retry-After"] == "1"
            assert "starting" in error_of(reply)
        assert "text/html" in httpx.get(f"http://127.0.0.1:{port}/", timeout=10).headers["content-type"]
    finally:
        page.stop()


def test_the_api_says_503_with_retry_after_until_the_models_are_loaded(tmp_path):
    """The API over a pipeline whose warm-up has not run: nothing is loaded, every answer waits."""
    from fastapi.testclient import TestClient

    from qa import Pipeline, Settings
    from qa.ui.api import build_api
    from qa.ui.app import WarmUp
    from qa.ui.shared import Shared

    pipeline = Pipeline(Settings(corpus=(str(ARTICLE),), index_dir=str(tmp_path / "index")))
    client = TestClient(build_api(Shared(pipeline, WarmUp(pipeline))))  # no key: library changes refused
    for method, path, kwargs in [("GET", "/health", {}), ("POST", "/ask", {"json": {"question": FIGHTERS}}),
                                 ("GET", "/documents", {})]:
        reply = client.request(method, path, **kwargs)
        assert reply.status_code == 503 and int(reply.headers["Retry-After"]) > 0, path
    assert client.get("/health").json()["status"] == "loading"
    assert "still loading" in error_of(client.post("/ask", json={"question": FIGHTERS}))
    refused = client.delete(f"/documents/{ARTICLE.name}", headers=AUTH)
    assert refused.status_code == 403 and "QA_API_KEY" in error_of(refused)
    assert not (tmp_path / "index").exists()  # nothing was loaded or built


def test_a_bug_answers_500_in_json_and_keeps_its_traceback_in_the_log(tmp_path):
    """A failure nobody planned for (here: an index that vanished after loading) is not shown to clients."""
    import threading

    from fastapi.testclient import TestClient

    from qa import Pipeline, Settings
    from qa.ui.api import build_api
    from qa.ui.shared import Shared

    class Loaded:  # a warm-up that says it finished, over a corpus that is not there
        steps, error, done = ["Ready."], None, threading.Event()

    Loaded.done.set()
    pipeline = Pipeline(Settings(corpus=(str(tmp_path / "gone"),), index_dir=str(tmp_path / "index")))
    client = TestClient(build_api(Shared(pipeline, Loaded())), raise_server_exceptions=False)
    for path in ("/health", "/documents"):
        reply = client.get(path)
        assert reply.status_code == 500 and error_of(reply) == "internal error; the server's log has the details"
