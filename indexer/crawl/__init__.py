"""Crawl a whole package index for the import names each wheel provides (issue 13), on Dask.

``wheel`` turns one wheel's member list (or its PEP 794 metadata) into import names with inspect's own rules;
``remote`` reads what it needs over HTTP Range (the central directory, never the wheel); ``project`` is the
per-project task that runs on a Dask worker; ``outputs`` writes shards and the merged ``imports.json``;
``command`` is ``python -m indexer crawl``; ``providers`` answers "which distribution provides ``import X``".
"""
