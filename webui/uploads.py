"""Uploaded files: the type is read from the bytes, the size is bounded, the file is stored by sha256."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from pathlib import Path

from webui.forms import form_error

__all__ = ["ALLOWED_UPLOADS", "MAX_UPLOAD_BYTES", "check_pixels", "check_upload", "image_size", "sniff",
           "store_upload"]

ALLOWED_UPLOADS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "application/pdf": ".pdf",
}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"%PDF": "application/pdf"}


def sniff(body: bytes) -> str | None:
    """The content type the bytes show (None when not one kefu accepts)."""
    for magic, kind in _MAGIC.items():
        if body.startswith(magic):
            return kind
    if body[4:8] == b"ftyp":
        brand = body[8:12]
        if brand in (b"heic", b"heix", b"mif1"):
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(body: bytes) -> tuple[int, int] | None:
    """(width, height) from a photo's header, without decoding its pixels; None when unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about (and above 2× its own limit refuses) bombs
            with Image.open(io.BytesIO(body)) as image:
                return image.size
    except Image.DecompressionBombError:
        pass
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        pass
    if body.startswith(b"\x89PNG\r\n\x1a\n") and body[12:16] == b"IHDR" and len(body) >= 24:
        width, height = struct.unpack(">II", body[16:24])  # what a browser would allocate
        return width, height
    return None


def check_pixels(body: bytes, max_pixels: int) -> None:
    """A FormError (field ``file``) when ``body`` is a photo of more than ``max_pixels`` pixels."""
    size = image_size(body)
    if size is not None and size[0] * size[1] > max_pixels:
        width, height = size
        mp = max_pixels / 1_000_000
        raise form_error(
            f"the photo is {width}×{height} pixels; at most {max_pixels:,} pixels ({mp:g} MP)",
            {"file": (f"at most {mp:g} million pixels (this one has {width}×{height})",
                      f"照片不能超过 {mp:g} 百万像素（此图为 {width}×{height}）")},
        )


def check_upload(body: bytes, claimed: str, max_pixels: int | None = None) -> str:
    """The accepted content type of ``body``; a FormError (field ``file``) otherwise.

    ``max_pixels``: a photo (JPEG, PNG, WebP) of more pixels is refused (setting ``max_image_pixels``).
    """
    if not body:
        raise form_error("the file is empty", {"file": ("the file is empty", "文件为空")})
    kind = sniff(body)  # the bytes decide, not the name or the browser's claim
    if kind is None or kind not in ALLOWED_UPLOADS:
        raise form_error(
            f"file type {claimed or 'unknown'} is not accepted",
            {
                "file": (
                    "only photos (JPEG, PNG, WebP, HEIC), MP4/MOV video or PDF",
                    "只能上传照片（JPEG、PNG、WebP、HEIC）、MP4/MOV 视频或 PDF",
                )
            },
        )
    if len(body) > MAX_UPLOAD_BYTES:
        mb = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise form_error("the file is too large", {"file": (f"at most {mb} MB", f"文件不能超过 {mb} MB")})
    if max_pixels is not None and kind.startswith("image/"):
        check_pixels(body, max_pixels)
    return kind


def store_upload(data_dir: Path, body: bytes, kind: str) -> tuple[str, Path]:
    """Write ``body`` once under ``data_dir/attachments/<sha[:2]>/<sha><ext>``; (sha256, relative path)."""
    digest = hashlib.sha256(body).hexdigest()
    relative = Path("attachments") / digest[:2] / (digest + ALLOWED_UPLOADS[kind])
    target = Path(data_dir) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(body)
        partial.replace(target)
    return digest, relative
