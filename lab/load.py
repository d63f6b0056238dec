"""``qa bench --load``: many concurrent clients against the real app, on loopback only.

The app is served in this process on a free 127.0.0.1 port; each client is a
``gradio_client.Client`` calling the ``ask`` endpoint, or (``api``) an HTTP client posting to
``/api/ask``, while a document may be added through ``POST /api/documents``. Bounded in count
(clients x questions) and time; every answer must equal a single-user answer (from the corpus
before the document was added, or after).
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from lab.bench import QUESTIONS
from qa.metrics import latency_summary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(pipeline, *, clients: int = 20, questions_per_client: int = 10, timeout_s: float = 600.0,
             feedback_path=None, api: bool = False, add: str | Path | None = None, log=None) -> dict:
    """Serve the app for ``pipeline`` and hit it with ``clients`` x ``questions_per_client`` requests;
    with ``api`` through the HTTP API, adding the document file ``add`` (if given) meanwhile."""
    import tempfile

    from qa.config import ServeSettings
    from qa.ui.app import build_server, launch

    log = log or (lambda message: None)
    pipeline.warm_up()
    before = {q: pipeline.ask(q).to_dict() for q in QUESTIONS}
    key = secrets.token_urlsafe(16) if add else None
    feedback_path = feedback_path or Path(tempfile.mkdtemp()) / "feedback.jsonl"
    demo, api_app = build_server(pipeline, ServeSettings(feedback_file=str(feedback_path), api_key=key))
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, api=api_app)
    url = f"http://127.0.0.1:{port}"
    log(f"{clients} clients x {questions_per_client} questions against {url}" + (" (HTTP API)" if api else ""))
    try:
        load = hammer(url, clients=clients, questions_per_client=questions_per_client, api=api, add=add,
                      api_key=key, timeout_s=timeout_s)
    finally:
        demo.close()
    after = {q: pipeline.ask(q).to_dict() for q in QUESTIONS} if add else before
    return {"clients": clients, **load.report([before, after])}


@dataclass
class Load:
    """What the clients got: each answer with its question, the latencies, the failures, the add's reply."""

    answers: list[tuple[str, dict]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    added: dict | None = None
    #: Answers in when the add was done: fewer than all of them means the add ran during the load.
    answered_when_added: int | None = None
    asked: int = 0
    wall_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, expected: list[dict[str, dict]]) -> dict:
        """The figures; an answer that equals no single-user answer in ``expected`` (question -> answer dict,
        one per state of the corpus) is a mismatch."""
        def same(got: dict, want: dict | None) -> bool:
            return want is not None and all(got.get(k) == want[k] for k in ("text", "score", "citation"))

        mismatched = [q for q, got in self.answers if not any(same(got, e.get(q)) for e in expected)]
        return {"requests": self.asked, "answered": len(self.answers),
                "failed": len(self.failures), "mismatched": len(mismatched), "wall_s": round(self.wall_s, 1),
                "throughput_per_s": round(len(self.answers) / max(self.wall_s, 1e-9), 2),
                **latency_summary(self.latencies), "failures": self.failures[:5], "mismatches": mismatched[:5],
                **({"added": self.added, "answered_when_added": self.answered_when_added}
                   if self.added is not None else {})}


def hammer(url: str, *, clients: int, questions_per_client: int, api: bool = False, add: str | Path | None = None,
           api_key: str | None = None, questions=QUESTIONS, timeout_s: float = 600.0) -> Load:
    """``clients`` concurrent sessions of ``questions_per_client`` questions each against the server at
    ``url``; with ``add``, that file is posted to ``/api/documents`` once the first answer is in, and must
    then be listed by ``GET /api/documents``."""
    import httpx

    load = Load(asked=clients * questions_per_client)
    answered = threading.Event()
    deadline = time.monotonic() + timeout_s
    http = httpx.Client(base_url=url, timeout=timeout_s)

    def session(number: int) -> None:
        ask = partial(_api_ask, http) if api else _gradio_asker(url)
        for i in range(questions_per_client):
            if time.monotonic() > deadline:
                with load.lock:
                    load.failures.append(f"client {number}: out of time")
                return
            question = questions[(number + i) % len(questions)]
            started = time.perf_counter()
            try:
                got = ask(question)
            except Exception as exc:  # every failure is counted, whatever its kind
                with load.lock:
                    load.failures.append(f"client {number}: {type(exc).__name__}: {exc}")
                continue
            with load.lock:
                load.latencies.append(time.perf_counter() - started)
                load.answers.append((question, got))
            answered.set()

    def add_document() -> None:
        answered.wait(timeout_s)
        load.added = post_document(http, Path(add), api_key)
        with load.lock:
            load.answered_when_added = len(load.answers)

    started = time.perf_counter()
    with http, ThreadPoolExecutor(max_workers=clients + 1) as pool:
        jobs = [pool.submit(session, n) for n in range(clients)] + ([pool.submit(add_document)] if add else [])
        wait(jobs, timeout=timeout_s + 30)
        load.wall_s = time.perf_counter() - started
        if add:
            load.failures += _lost(http, Path(add).name, load.added)
    return load


def _lost(http, name: str, added: dict | None) -> list[str]:
    """What went missing of a document added under load: its add refused, or the library not listing it."""
    if added is None or added["status"] != 201:
        return [f"adding {name}: {added}"]
    if name not in [row["file"] for row in http.get("/api/documents").json()]:
        return [f"{name} was added but is not listed"]
    return []


def _gradio_asker(url: str):
    from gradio_client import Client

    client = Client(f"{url}/", verbose=False)
    return lambda question: client.predict(question, api_name="/ask")


def _api_ask(http, question: str) -> dict:
    reply = http.post("/api/ask", json={"question": question})
    reply.raise_for_status()
    return reply.json()


def post_document(http, path: Path, api_key: str | None) -> dict:
    """``POST /api/documents`` with the file ``path`` over the ``httpx.Client`` ``http``: the reply's status
    and its JSON body."""
    with path.open("rb") as f:
        reply = http.post("/api/documents", files={"file": (path.name, f)},
                          headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    return {"status": reply.status_code, **reply.json()}
