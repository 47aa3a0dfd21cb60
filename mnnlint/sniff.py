"""Name what a file is when it is not an MNN model, so the error says what to do.

Called only after a file fails to read as an MNN Net: the checks are cheap looks
at the first bytes, in the order that makes a wrong guess least likely.
"""

from __future__ import annotations

LFS_PREFIX = b"version https://git-lfs"

# Wire-format tags ONNX's ModelProto writes first: ir_version (1, varint) then one of
# producer_name (2), producer_version (3), domain (4), model_version (5),
# doc_string (6), graph (7) or opset_import (8).
_ONNX_SECOND_TAGS = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42}


def describe_foreign(head: bytes, size: int) -> str | None:
    """A one-line problem statement for a recognisably foreign file, else None."""
    if size == 0:
        return "empty file, not an MNN model"
    if head.startswith(LFS_PREFIX):
        return "Git LFS pointer, not a model; run `git lfs pull` to fetch the real file"
    if len(head) >= 8 and head[4:8] == b"TFL3":
        return ("TensorFlow Lite model, not MNN; convert it first: "
                "MNNConvert -f TFLITE --modelFile MODEL.tflite --MNNModel MODEL.mnn")
    if _looks_like_onnx(head):
        return ("ONNX model, not MNN; convert it first: "
                "MNNConvert -f ONNX --modelFile MODEL.onnx --MNNModel MODEL.mnn")
    if head[:1] in (b"{", b"[") or head.startswith(b"\xef\xbb\xbf{"):
        return "JSON text, not an MNN model (an MNN JSON dump must be converted back with MNNConvert -f JSON)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"GGUF")):
        kind = {b"\x89P": "PNG image", b"\xff\xd8": "JPEG image", b"PK": "zip archive",
                b"\x1f\x8b": "gzip archive", b"GG": "GGUF model"}[head[:2]]
        return f"{kind}, not an MNN model"
    if _looks_like_text(head):
        return "a text file, not an MNN model"
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(text) and all(c.isprintable() or c in "\r\n\t" for c in text)


def _looks_like_onnx(head: bytes) -> bool:
    if len(head) < 3 or head[0] != 0x08:
        return False
    # ir_version is a small varint (one byte for every released version).
    return head[1] < 0x80 and head[2] in _ONNX_SECOND_TAGS
