"""Chain-side helpers of the backend: local node, deployment, transaction sending."""
