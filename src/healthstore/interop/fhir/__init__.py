"""Reading FHIR: bundles, single resources and folders of them (files), and a provider's FHIR
server (HTTP). Readers yield resources with where they were found; they never write."""
