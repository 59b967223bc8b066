"""Celery app and tasks; in embedded mode (no broker) tasks run in-process."""
