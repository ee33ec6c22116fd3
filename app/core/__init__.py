"""The domain, pure Python: no Qt, no SQL, nothing else of ours imported."""
