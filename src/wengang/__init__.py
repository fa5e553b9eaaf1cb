"""稳岗台账 (Wengang): an offline ledger of employment for people lifted out of poverty.

Layers, importing downward only (held by import-linter in CI):
``domain`` (pure Python) → ``store`` (SQLite) → ``services`` (import, reports; no Qt)
→ ``gui`` (PySide6) → ``cli``.
"""

__version__ = "0.1.0"
APP_NAME = "稳岗台账"
APP_ID = "wengang"
