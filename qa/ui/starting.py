"""``qa serve`` / ``python app.py``: a starting page on the chat's port at once, then the chat UI.

Importing Gradio alone takes about 3 s on a small CPU, so the chat page cannot answer sooner. Until
it does, a small standard-library server on the same host and port answers every request with
"503 starting" and a page that says so; the page polls and reloads itself once the chat answers
(a failed poll, in the moment between the two servers, is simply retried). The port is taken at
once, so a port already in use fails the command before anything slow is loaded.
"""

from __future__ import annotations

import argparse
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qa.config import warn_unknown_variables

STARTING_HTML = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Starting qa</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="2"></noscript>
<style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:36rem;color:#334155}</style>
</head><body>
<h1 id="qa-starting">Starting&hellip;</h1>
<p>The chat page is loading and opens by itself in a few seconds.</p>
<script>
async function poll() {
  try {
    const reply = await fetch(location.href, {cache: "no-store"});
    if (reply.ok) { location.reload(); return; }
  } catch (error) { /* the chat server is taking over the port: try again */ }
  setTimeout(poll, 400);
}
setTimeout(poll, 400);
</script>
</body></html>
"""
#: What the HTTP API's clients get meanwhile (qa.ui.api answers 503 the same way while the models load).
STARTING_JSON = b'{"error": "the server is starting; try again shortly"}'


class _StartingHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol's name
        api = self.path.startswith("/api/")
        body = STARTING_JSON if api else STARTING_HTML
        self.send_response(503, "Starting")
        self.send_header("Content-Type", "application/json" if api else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Retry-After", "1")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        pass  # requests to a page that only says "starting" are not worth a log line


class StartingPage:
    """The starting page served on ``host:port`` from a thread until :meth:`stop`."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "StartingPage":
        """Take the port and answer on it; OSError when the port cannot be had."""
        self._server = ThreadingHTTPServer((self.host, self.port), _StartingHandler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits for the loop to notice, and the chat waits for stop().
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="qa-starting-page", daemon=True).start()
        return self

    def stop(self) -> None:
        """Give the port back (for the chat server); safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


def serve(args: argparse.Namespace) -> int:
    """Start the chat UI with parsed ``args`` behind a starting page; returns the exit code."""
    from qa.ui.options import serve_options

    page = None
    try:
        options = serve_options(args)
    except ValueError:
        pass  # reported by the app's own start-up, in its words
    else:
        try:
            page = StartingPage(options.host, options.port).start()
        except OSError as exc:
            print(f"qa serve: error: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
    try:
        from qa.ui.app import run  # imports gradio: the slow part

        return run(args, starting_page=page)
    finally:
        if page is not None:
            page.stop()


def main(argv: list[str] | None = None) -> int:
    """``python app.py [flags]``, the same as ``qa serve [flags]``."""
    from qa.ui.options import build_parser

    warn_unknown_variables("qa serve")
    return serve(build_parser().parse_args(argv))
