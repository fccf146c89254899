"""Predicates, sample and anchored queries, and the SQL they compile to."""
