"""Just enough of a PDF reader for the tests: the text ReportLab drew, and the objects it embedded."""

from __future__ import annotations

import base64
import re
import zlib

__all__ = ["pdf_text", "pdf_streams"]

_STREAM = re.compile(rb"<<((?:(?!<<).)*?)>>\s*stream\r?\n(.*?)\s*endstream", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f",
            b"(": b"(", b")": b")", b"\\": b"\\"}


def pdf_streams(body: bytes) -> list[bytes]:
    """Every stream of the file, decoded (ReportLab writes ASCII85 over Flate)."""
    out = []
    for header, data in _STREAM.findall(body):
        if b"ASCII85Decode" in header:
            data = base64.a85decode(data.strip().removesuffix(b"~>"), ignorechars=b" \t\r\n")
        if b"FlateDecode" in header:
            data = zlib.decompress(data)
        out.append(data)
    return out


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(body: bytes) -> str:
    """The text of every page, string by string: the Chinese font's strings are UCS-2, the others Latin-1."""
    parts: list[str] = []
    for stream in pdf_streams(body):
        font = b""
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", stream, re.S):
            if token.group(1):
                font = token.group(1)
                continue
            raw = _unescape(token.group(2))
            parts.append(raw.decode("utf-16-be", "replace") if font == b"F2" else raw.decode("latin-1"))
    return "".join(parts)
