"""``qa bench --load``: many concurrent clients against the real Gradio app, on loopback only.

The app is served in this process on a free 127.0.0.1 port; each client is a
``gradio_client.Client`` calling the ``ask`` endpoint. Bounded in count (clients x
questions) and time; every answer must equal the single-user answer.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from qa.evaluation.bench import QUESTIONS
from qa.metrics import latency_summary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(pipeline, *, clients: int = 20, questions_per_client: int = 10, timeout_s: float = 600.0,
             feedback_path=None, log=None) -> dict:
    """Serve the app for ``pipeline`` and hit it with ``clients`` x ``questions_per_client`` requests."""
    import tempfile
    from pathlib import Path

    from gradio_client import Client

    from qa.ui.app import build_app, launch

    log = log or (lambda message: None)
    pipeline.warm_up()
    expected = {q: pipeline.ask(q).to_dict() for q in QUESTIONS}
    feedback_path = feedback_path or Path(tempfile.mkdtemp()) / "feedback.jsonl"
    demo = build_app(pipeline, feedback_path=feedback_path)
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, block=False)
    url = f"http://127.0.0.1:{port}/"
    latencies: list[float] = []
    failures: list[str] = []
    mismatches: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s

    def client_session(number: int) -> None:
        client = Client(url, verbose=False)
        for i in range(questions_per_client):
            if time.monotonic() > deadline:
                with lock:
                    failures.append(f"client {number}: out of time")
                return
            question = QUESTIONS[(number + i) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                got = client.predict(question, api_name="/ask")
            except Exception as exc:  # every failure is counted, whatever its kind
                with lock:
                    failures.append(f"client {number}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            want = expected[question]
            same = (got.get("text"), got.get("score"), got.get("citation")) == \
                (want["text"], want["score"], want["citation"])
            with lock:
                latencies.append(elapsed)
                if not same:
                    mismatches.append(question)

    log(f"{clients} clients x {questions_per_client} questions against {url}")
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            wait([pool.submit(client_session, n) for n in range(clients)], timeout=timeout_s + 30)
    finally:
        demo.close()
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": clients * questions_per_client, "answered": len(latencies),
            "failed": len(failures), "mismatched": len(mismatches), "wall_s": round(wall, 1),
            "throughput_per_s": round(len(latencies) / wall, 2), **latency_summary(latencies),
            "failures": failures[:5]}
