import re
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest
import zxingcpp

from backend.provenance import qr
from backend.provenance.claims import InvalidClaimCode, code_hash, code_matches, generate_code, normalise_code

PEPPER = b"p" * 32
GTIN = "09506000134352"
URI = "https://id.brand.example/01/09506000134352/21/A%2F100"


def test_codes_are_random_grouped_and_unambiguous():
    codes = {generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)


def test_typing_is_forgiven_but_length_and_alphabet_are_not():
    assert normalise_code(" 7k3m-q9tx 2hdb ") == "7K3MQ9TX2HDB"
    assert normalise_code("OIL0-0000-000U") == "0110" + "0000" + "000V"
    for bad in ("7K3M-Q9TX", "7K3M-Q9TX-2HDB-1", "7K3M-Q9TX-2HD*"):
        with pytest.raises(InvalidClaimCode):
            normalise_code(bad)


def test_stored_hash_is_keyed_bound_to_the_item_and_hides_the_code():
    code = generate_code()
    stored = code_hash(PEPPER, GTIN, "A100", code)
    assert normalise_code(code) not in stored
    assert code_matches(PEPPER, GTIN, "A100", code.lower(), stored)
    assert not code_matches(PEPPER, GTIN, "A101", code, stored)  # another item
    assert not code_matches(b"q" * 32, GTIN, "A100", code, stored)  # another key
    assert not code_matches(PEPPER, GTIN, "A100", generate_code(), stored)
    assert not code_matches(PEPPER, GTIN, "A100", "nonsense", stored)


def _decode(rows: list[bytes]) -> list[str]:
    width = len(rows[0])
    image = memoryview(b"".join(rows)).cast("B", (len(rows), width))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def _png_rows(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour, *_ = header
    assert depth == 1 and colour in (0, 3)  # 1 bit, grey or two-colour palette
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        current = _unfilter(line[0], line[1:], previous)
        bits = "".join(f"{byte:08b}" for byte in current)[:width]
        rows.append(bytes(255 if bit == "1" else 0 for bit in bits))
        previous = current
    return rows


def _unfilter(kind: int, line: bytes, up: bytes) -> bytes:
    """PNG row filters 0-4 with one byte per pixel step (bit depth 1)."""
    out = bytearray()
    for index, value in enumerate(line):
        left = out[index - 1] if index else 0
        upper_left = up[index - 1] if index else 0
        if kind == 0:
            predicted = 0
        elif kind == 1:
            predicted = left
        elif kind == 2:
            predicted = up[index]
        elif kind == 3:
            predicted = (left + up[index]) // 2
        else:
            estimate = left + up[index] - upper_left
            distances = (abs(estimate - left), abs(estimate - up[index]), abs(estimate - upper_left))
            predicted = (left, up[index], upper_left)[distances.index(min(distances))]
        out.append((value + predicted) & 0xFF)
    return bytes(out)


def _svg_rows(data: bytes) -> list[bytes]:
    root = ET.fromstring(data)
    size = int(root.get("width"))
    scale = int(re.search(r"scale\((\d+)\)", data.decode()).group(1))
    (dark,) = [path for path in root.iter("{http://www.w3.org/2000/svg}path") if path.get("stroke")]
    modules = size // scale
    grid = [[255] * modules for _ in range(modules)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", dark.get("d")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                grid[int(y)][column] = 0
            x += float(a)
    return [bytes(value for value in row for _ in range(4)) for row in grid for _ in range(4)]


def test_png_decodes_to_the_exact_uri():
    assert _decode(_png_rows(qr.png(URI, scale=4))) == [URI]


def test_svg_decodes_to_the_exact_uri_and_is_self_contained():
    data = qr.svg(URI)
    assert _decode(_svg_rows(data)) == [URI]
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == URI
    assert b"href" not in data and b"<script" not in data
