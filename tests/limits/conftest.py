"""Flood tests run on the API harnesses of tests/api, tests/ads_api and tests/provenance."""

from tests.api.conftest import api, api_settings, custody, database_url, make_api, outbox  # noqa: F401 (fixtures)
from tests.ads_api.conftest import ingest, ingest_settings, make_ingest_api, redis_prefix  # noqa: F401 (fixtures)
