"""sha256 without `hashlib` on the hot paths: `hashlib` loads OpenSSL (~4 ms
before rustc starts); the interpreter's own module gives the same digest."""

from __future__ import annotations


def sha256_hex(data: bytes) -> str:
    try:
        from _sha2 import sha256  # Python >= 3.12
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:
            from hashlib import sha256
    return sha256(data).hexdigest()
