"""Storage backends behind one protocol, and the codecs between samples and rows."""

from healthstore.storage.backend import Backend, Row
from healthstore.storage.sqlite import SQLiteBackend

__all__ = ["Backend", "Row", "SQLiteBackend"]
