"""QR codes of a product's Digital Link URI, as SVG (print, web) and PNG (labels), via segno.

Error correction M (15%) survives a scuffed label while keeping the symbol small;
segno raises it for free when the data leaves room (``boost_error``).
"""

from __future__ import annotations

import io

import segno

DEFAULT_SCALE = 8
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires


def make(uri: str) -> segno.QRCode:
    return segno.make_qr(uri, error="m", boost_error=True)


def svg(uri: str, scale: int = DEFAULT_SCALE) -> bytes:
    buffer = io.BytesIO()
    make(uri).save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        xmldecl=False,
        svgns=True,
        title=uri,
        desc="QR code: scan to check this product",
        light="#fff",
        svgclass=None,
        lineclass=None,
    )
    return buffer.getvalue()


def png(uri: str, scale: int = DEFAULT_SCALE) -> bytes:
    buffer = io.BytesIO()
    make(uri).save(buffer, kind="png", scale=scale, border=QUIET_ZONE, light="#fff")
    return buffer.getvalue()
