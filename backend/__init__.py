"""trustledger backend: API, services, workers, CLI."""
