"""Writing the store out for analysis: CSV and Parquet files per type, and a plain SQLite
file. Each reads only through the person's public view (:class:`HealthStore`)."""
