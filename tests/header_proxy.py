"""A small reverse proxy for browser tests: what nginx does in docs/deployment.md, in-process.

It forwards every HTTP request and the Streamlit websocket to the app and adds the given headers
to every HTTP response (nginx's ``add_header … always``). Built on Starlette, Uvicorn and
websockets, which Streamlit itself runs on. A real proxy rather than Playwright's request
interception: Chromium treats a document fulfilled by interception as coming from the public
internet and then refuses its websocket to 127.0.0.1 (local network access checks), which
nginx in front of the app would not cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect as websocket_connect
from websockets.exceptions import ConnectionClosed

from .browser import free_port

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "proxy-connection",
    "host",
}
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the browser follows redirects, not the proxy
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _fetch(url: str, method: str, headers: dict[str, str], body: bytes | None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=300) as response:
            return response.status, list(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:  # 3xx, 4xx, 5xx: passed on as they are
        return error.code, list(error.headers.items()), error.read()


def _application(upstream: str, headers: Mapping[str, str]) -> Starlette:
    ws_upstream = upstream.replace("http://", "ws://", 1)

    async def forward(request: Request) -> Response:
        body = await request.body()
        url = upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        sent = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        sent["Host"] = request.headers.get("host", "")  # nginx: proxy_set_header Host $host
        status, answer, content = await asyncio.to_thread(
            _fetch, url, request.method, sent, body or None
        )
        response = Response(content=content, status_code=status)
        for name, value in answer:
            if name.lower() not in _HOP_BY_HOP:
                response.headers.append(name, value)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    async def stream(client: WebSocket) -> None:
        requested = [
            part.strip()
            for part in client.headers.get("sec-websocket-protocol", "").split(",")
            if part.strip()
        ]
        passed = {
            name: value
            for name, value in client.headers.items()
            if name.lower() in ("cookie", "origin", "user-agent")
        }
        path = client.url.path + (f"?{client.url.query}" if client.url.query else "")
        async with websocket_connect(
            ws_upstream + path,
            subprotocols=requested or None,
            additional_headers=passed,
            max_size=None,
        ) as app:
            await client.accept(subprotocol=app.subprotocol)

            async def down() -> None:
                async for message in app:
                    if isinstance(message, bytes):
                        await client.send_bytes(message)
                    else:
                        await client.send_text(message)

            async def up() -> None:
                while True:
                    message = await client.receive()
                    if message["type"] == "websocket.disconnect":
                        return
                    if message.get("bytes") is not None:
                        await app.send(message["bytes"])
                    elif message.get("text") is not None:
                        await app.send(message["text"])

            tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
            with contextlib.suppress(ConnectionClosed, WebSocketDisconnect, RuntimeError):
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await client.close()

    return Starlette(
        routes=[
            WebSocketRoute("/_stcore/stream", stream),
            Route("/{path:path}", forward, methods=_METHODS),
        ]
    )


@contextlib.contextmanager
def header_proxy(
    upstream: str, headers: Mapping[str, str], *, port: int | None = None
) -> Iterator[str]:
    """Serve ``upstream`` (http://host:port) on ``port`` (default: a free one) of localhost with
    ``headers`` added to every response; yields the proxy's URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            _application(upstream, headers),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ws_max_size=1 << 30,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the header proxy did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
