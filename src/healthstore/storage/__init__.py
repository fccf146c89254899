"""Storage backends behind one protocol, and the codecs between samples and rows."""

from healthstore.storage.backend import Backend, Row
from healthstore.storage.backends import open_backend
from healthstore.storage.dialect import Dialect

__all__ = ["Backend", "Dialect", "Row", "open_backend"]
