"""Clinical records: FHIR resources (DSTU2 and R4) as HealthKit's clinical types.

:mod:`~healthstore.clinical.mapping` says which clinical type a resource is and names it;
:mod:`~healthstore.clinical.fhir` tells releases apart and validates R4 resources with
fhir.resources; :mod:`~healthstore.clinical.records` turns a resource into a
:class:`~healthstore.records.ClinicalRecord` whose identity is (source, resource type, id).
"""
