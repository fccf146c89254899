"""Importers: Apple Health exports, FHIR resources, C-CDA documents and SMART Health Cards
into a store, through its public view. They depend on the store; the store never imports
them (its ``import_*`` methods load them when called)."""
