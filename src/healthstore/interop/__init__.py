"""Parsers of other formats: they yield model objects and never touch storage."""
