"""Generated test corpus: Python builders for hostile files (no binary blobs in the repo)."""
