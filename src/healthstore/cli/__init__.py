"""The ``healthstore`` command line (typer + rich): a thin layer over the library.

Settings (``--store``, ``HEALTHSTORE_DIR``, the local time zone) are read here and nowhere
else; ``docs/cli.md`` documents every command.
"""

from healthstore.cli.app import app, main

__all__ = ["app", "main"]
