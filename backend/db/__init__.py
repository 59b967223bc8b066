"""The backend's own tables (the chain mirror's tables belong to the indexer)."""
