"""Fixtures of the areas whose counters these tests move (ads ingest, consent reads)."""

from tests.ads_api.conftest import ingest, ingest_settings, make_ingest_api, redis_prefix  # noqa: F401
from tests.api.conftest import custody, database_url, make_api, outbox  # noqa: F401
from tests.consent.conftest import world  # noqa: F401
from tests.indexer.conftest import load_chain, make_indexer  # noqa: F401,E402
