"""The Dask backend on a real multi-process cluster (issue 13)."""
