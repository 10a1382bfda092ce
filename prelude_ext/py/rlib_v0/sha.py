"""sha256 without `hashlib` on the hot paths: `hashlib` loads OpenSSL (~4 ms
before rustc starts); the interpreter's own module gives the same digest."""

from __future__ import annotations

_sha256 = None


def sha256_hex(data: bytes) -> str:
    global _sha256
    if _sha256 is None:
        # Found once, this version's module name tried first: a failed
        # import is not remembered, and each try searches every `sys.path`
        # entry (~0.5 ms; the compile path asks for several digests before
        # rustc starts).
        import sys

        names = ("_sha2", "_sha256") if sys.version_info >= (3, 12) else ("_sha256", "_sha2")
        for name in names:
            try:
                sha256 = __import__(name).sha256
                break
            except ImportError:
                continue
        else:
            from hashlib import sha256
        _sha256 = sha256
    return _sha256(data).hexdigest()
