"""Response headers of the GS1 interfaces: EPCIS version headers under ``/epcis``, and CORS for
the public reads (the Digital Link resolver and the EPCIS queries).

CORS is open (``Access-Control-Allow-Origin: *``) for GET, HEAD and OPTIONS everywhere but
``/v1``, with the ``Link`` and ``Location`` headers exposed, as GS1 resolvers must be
readable by any web page. Credentials are bearer headers, never cookies, so an open origin
lends a page nothing it did not already hold.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import Settings

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
CLOSED_TO_CORS = ("/v1", "/docs", "/redoc", "/openapi.json")
EXPOSED = ["Link", "Location", "GS1-EPCIS-Version", "GS1-CBV-Version", "GS1-EPCIS-Min", "GS1-EPCIS-Max",
           "GS1-EPCIS-Capture-Limit", "GS1-EPCIS-Capture-File-Size-Limit"]


def epcis_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    values = {
        "GS1-EPCIS-Version": EPCIS_VERSION,
        "GS1-EPCIS-Min": EPCIS_VERSION,
        "GS1-EPCIS-Max": EPCIS_VERSION,
        "GS1-CBV-Version": CBV_VERSION,
        "GS1-EPCIS-Capture-Limit": str(settings.epcis_capture_limit),
        "GS1-EPCIS-Capture-File-Size-Limit": str(settings.epcis_capture_file_size_limit),
    }
    return [(name.lower().encode(), value.encode()) for name, value in values.items()]


class Gs1Headers:
    """ASGI middleware: CORS outside /v1, the EPCIS headers on every /epcis response (errors too)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.headers = epcis_headers(settings)
        self.cors = CORSMiddleware(
            app, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["Accept", "Authorization", "GS1-EPCIS-Version", "GS1-CBV-Version"],
            expose_headers=EXPOSED, max_age=86400,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        inner = self.app if path.startswith(CLOSED_TO_CORS) else self.cors
        if path != "/epcis" and not path.startswith("/epcis/"):
            await inner(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await inner(scope, receive, send_with_headers)
