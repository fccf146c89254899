"""Every HealthKit type, enum and metadata key, from a data file inside the package."""

from healthstore.catalogue.registry import (
    Aggregation,
    Catalogue,
    Kind,
    MetadataKey,
    ObjectType,
    ValueEnum,
    all_types,
    load,
    metadata_key,
    object_type,
    search,
    value_enum,
    workout_activity_name,
    workout_activity_type,
)

__all__ = [
    "Aggregation",
    "Catalogue",
    "Kind",
    "MetadataKey",
    "ObjectType",
    "ValueEnum",
    "all_types",
    "load",
    "metadata_key",
    "object_type",
    "search",
    "value_enum",
    "workout_activity_name",
    "workout_activity_type",
]
