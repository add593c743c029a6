"""The drop-in path from new-api / one-api: `python -m clawrouter import-newapi SOURCE` reads
the old gateway's database (db/newapi_source.py), maps its rows (mapping.py) and writes them
into ClawRouter's store through db/repo (importer.py)."""
