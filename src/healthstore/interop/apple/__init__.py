"""Apple Health exports (``export.zip``): opening the archive, cleaning its XML, and reading
the text conventions of its attributes."""
