"""Abuse limits: a GCRA rate limiter per route class, counted in process or in Redis.

Knows nothing of HTTP: ``backend/api/limits.py`` picks the keys (client IP, address,
publisher, serial) and ``backend/api/errors.py`` maps the refusals to 429 and 413.
"""
