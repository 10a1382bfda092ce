"""sha256 without `hashlib` on the hot paths: `hashlib` loads OpenSSL (~4 ms
before rustc starts); the interpreter's own module gives the same digest."""

from __future__ import annotations

_sha256 = None


def sha256_hex(data: bytes) -> str:
    global _sha256
    if _sha256 is None:
        # Found once: a failed import is not remembered, and each try
        # searches every `sys.path` entry (~0.5 ms; the compile path asks
        # for several digests before rustc starts).
        try:
            from _sha2 import sha256  # Python >= 3.12
        except ImportError:
            try:
                from _sha256 import sha256  # Python 3.11
            except ImportError:
                from hashlib import sha256
        _sha256 = sha256
    return _sha256(data).hexdigest()
