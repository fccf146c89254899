"""The stable JSON form of samples, change feeds, predicates and statistics, both ways.

The command line's ``--json`` output and the HTTP API speak it; ``docs/cli.md`` lists the
sample fields. Modules: :mod:`~healthstore.wire.samples` (writing samples, tombstones and
change feeds), :mod:`~healthstore.wire.reading` (reading them back, every kind),
:mod:`~healthstore.wire.predicates`, :mod:`~healthstore.wire.statistics`,
:mod:`~healthstore.wire.summaries` (activity summaries), :mod:`~healthstore.wire.observers`.
Readers raise :class:`~healthstore.errors.InvalidArgument` whose ``field`` is the JSON path
at fault.
"""

from healthstore.wire.fields import JSONObject, quantity_from_json
from healthstore.wire.observers import observer_from_json
from healthstore.wire.predicates import predicate_from_json, predicate_to_json
from healthstore.wire.provenance import device_from_json, revision_from_json, source_from_json
from healthstore.wire.reading import changes_from_json, deleted_from_json, sample_from_json
from healthstore.wire.samples import (
    changes_to_json,
    deleted_to_json,
    device_to_json,
    plain_source_to_json,
    quantity_to_json,
    sample_to_json,
    source_to_json,
)
from healthstore.wire.statistics import statistics_from_json, statistics_to_json
from healthstore.wire.summaries import activity_summary_from_json, activity_summary_to_json

__all__ = [
    "JSONObject",
    "activity_summary_from_json",
    "activity_summary_to_json",
    "changes_from_json",
    "changes_to_json",
    "deleted_from_json",
    "deleted_to_json",
    "device_from_json",
    "device_to_json",
    "observer_from_json",
    "plain_source_to_json",
    "predicate_from_json",
    "predicate_to_json",
    "quantity_from_json",
    "quantity_to_json",
    "revision_from_json",
    "sample_from_json",
    "sample_to_json",
    "source_from_json",
    "source_to_json",
    "statistics_from_json",
    "statistics_to_json",
]
