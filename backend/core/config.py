"""One settings object for the backend (API, workers, CLI), read from the environment.

Every variable is ``TRUSTLEDGER_<FIELD>`` (``DATABASE_URL`` is also accepted for the
database). Defaults run the embedded mode: a local anvil node, SQLite, a local
content store and in-process tasks, so ``make demo`` needs no server. Secrets have
no usable default; outside development a missing or placeholder secret is refused.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_PREFIXES = ("change-me", "changeme", "placeholder", "xxx")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUSTLEDGER_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses placeholder secrets and the dev chain keys"
    )
    database_url: str = Field(
        "sqlite:///data/trustledger.db",
        validation_alias=AliasChoices("DATABASE_URL", "TRUSTLEDGER_DATABASE_URL"),
        description="SQLAlchemy URL; SQLite embedded, postgresql+psycopg:// in production",
    )
    rpc_url: str = Field("http://127.0.0.1:8545", description="JSON-RPC endpoint of the chain")
    manifest_path: Path = Field(Path("data/deployment.json"), description="deployment manifest written by deploy")
    deployer_private_key: SecretStr | None = Field(
        None, description="key that deploys the contracts and holds the admin role; required by deploy"
    )
    relayer_private_key: SecretStr | None = Field(
        None, description="key that relays users' signed messages (consent, anchors) and pays their gas"
    )
    attester_private_key: SecretStr | None = Field(
        None, description="key of the platform's measurement service, which signs settlement roots"
    )
    platform_fee_bps: int = Field(250, ge=0, le=1000, description="platform fee per token set at deploy (max 10%)")
    master_key: SecretStr | None = Field(
        None, description="base64 32-byte AES-256-GCM master key for custodial chain keys"
    )
    master_key_file: Path | None = Field(None, description="file holding the master key instead of master_key")
    content_store_url: str = Field(
        "data/content", description="a directory (local content store) or http(s)://kubo:5001 (Kubo RPC)"
    )
    broker_url: str | None = Field(
        None, description="Celery broker (redis://...); unset runs tasks in-process (embedded mode)"
    )
    redis_url: str | None = Field(
        None, description="Redis for frequency caps and nonces; unset keeps them in-process (embedded mode)"
    )
    epoch_seconds: int = Field(30, gt=0, description="settlement epoch length")
    settlement_reserve_bps: int = Field(
        0, ge=0, le=10_000, description="share of each campaign's deposit held back from billing (basis points)"
    )
    api_host: str = Field("127.0.0.1", description="bind address of `trustledger api`")
    api_port: int = Field(8000, gt=0, lt=65536, description="port of `trustledger api`")
    public_base_url: str = Field("http://127.0.0.1:8000", description="base URL the API is reached at")
    digital_link_resolver: str | None = Field(
        None, description="host or base URL printed in product QR codes (GS1 Digital Link); unset: public_base_url"
    )
    provenance_secret: SecretStr | None = Field(
        None, description="keys claim-code hashes and scanner ids of the product page; required in production"
    )
    ip_country_table: Path | None = Field(
        None, description="CSV (start,end,country) locating product-page scans; unset: the bundled sample"
    )
    ads_hash_key: SecretStr | None = Field(
        None,
        description="base64 of >= 32 random bytes keying the hashes of event IPs and device ids; required in "
        "production; unset elsewhere: backend.ads.settings.DEVELOPMENT_HASH_KEY (public, fixed)",
    )
    ads_retention_days: int = Field(30, ge=1, description="days keyed IP and device hashes are kept before the purge")
    idempotency_retention_hours: int = Field(
        24, ge=1, description="hours a stored Idempotency-Key response answers retries before the purge"
    )
    ads_bot_user_agents_path: Path | None = Field(
        None, description="bot user-agent substrings, one a line; unset: the list shipped in backend/ads/data"
    )
    ads_datacenter_ranges_path: Path | None = Field(
        None, description="data-centre IP ranges (CIDR), one a line; unset: the list shipped in backend/ads/data"
    )
    ads_max_event_age: int = Field(172_800, gt=0, description="seconds; older ad events are filtered (2 days)")
    ads_max_clock_skew: int = Field(
        300, ge=0, description="seconds an ad event's timestamp may be ahead of the server clock"
    )
    ads_frequency_window: int = Field(86_400, gt=0, description="seconds of one frequency-cap window")
    ads_ip_cap_impressions: int = Field(200, ge=1, description="impressions per IP, campaign and window")
    ads_ip_cap_clicks: int = Field(20, ge=1, description="clicks per IP, campaign and window")
    ads_ip_cap_conversions: int = Field(10, ge=1, description="conversions per IP, campaign and window")
    ads_device_cap_impressions: int = Field(100, ge=1, description="impressions per device, campaign and window")
    ads_device_cap_clicks: int = Field(10, ge=1, description="clicks per device, campaign and window")
    ads_device_cap_conversions: int = Field(5, ge=1, description="conversions per device, campaign and window")
    ads_redis_prefix: str = Field(
        "tl:ads:", min_length=1, description="prefix of the ad pipeline's Redis keys (frequency caps, replay cache)"
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="bearer token /metrics requires (Authorization: Bearer ...); unset: /metrics answers "
        "loopback clients only (403 otherwise)",
    )
    metrics_token_file: Path | None = Field(
        None, description="file holding the /metrics bearer token instead of metrics_token (compose: a secret)"
    )
    metrics_merge_dirs: list[str] = Field(
        default_factory=list,
        description="more PROMETHEUS_MULTIPROC_DIR directories /metrics merges (JSON list; compose: the worker's "
        "and indexer's, on the shared volume)",
    )
    log_format: Literal["json", "text"] | None = Field(
        None, description="log lines: json (one object a line) or text; unset: json in production, text elsewhere"
    )

    @property
    def effective_log_format(self) -> str:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment == "production" else "text"

    # Abuse limits (backend/limits): rates are "N/second|minute|hour|day[,burst=B]" (burst defaults to N) or "off".
    rate_limits_enabled: bool = Field(True, description="answer 429 + Retry-After past the per-class rates below")
    rate_limit_backend: Literal["auto", "memory", "redis"] = Field(
        "auto", description="where limits are counted; auto: Redis when redis_url is set, in process otherwise"
    )
    rate_limit_redis_prefix: str = Field("tl:limits:", min_length=1, description="prefix of the limiter's Redis keys")
    trusted_proxies: str = Field(
        "", description="comma-separated CIDRs of proxies whose X-Forwarded-For names the client; empty: the peer"
    )
    signin_per_ip: str = Field("60/minute,burst=30", description="sign-in nonces and SIWE verifications per client IP")
    signin_per_address: str = Field("20/minute,burst=10", description="SIWE verifications per signing address")
    applications_per_ip: str = Field("20/hour,burst=10", description="participant applications per client IP")
    events_per_publisher: str = Field(
        "50000/second,burst=100000", description="ad events per publisher (a batch costs its events; max 10,000)"
    )
    event_bytes_per_publisher: str = Field(
        "16777216/second,burst=33554432", description="event batch bytes per publisher (a batch is at most 4 MiB)"
    )
    scans_per_ip: str = Field("120/minute,burst=60", description="product page (Digital Link) scans per client IP")
    scans_per_serial: str = Field("60/minute,burst=30", description="product page scans per item (GTIN + serial)")
    claims_per_ip: str = Field("10/minute,burst=10", description="first-scan claim attempts per client IP")
    claims_per_serial: str = Field("10/hour,burst=5", description="claim attempts per item (GTIN + serial)")
    api_keys_per_participant: str = Field("30/hour,burst=20", description="API keys created per participant")
    epcis_capture_limit: int = Field(
        1000, ge=1, le=1000, description="most events in one POST /epcis/capture (GS1-EPCIS-Capture-Limit)"
    )
    epcis_capture_file_size_limit: int = Field(
        8_388_608, ge=1024, description="largest POST /epcis/capture body in bytes (GS1-EPCIS-Capture-File-Size-Limit)"
    )
    epcis_max_per_page: int = Field(
        1000, ge=1, le=10_000, description="largest perPage of the EPCIS query interface (GET /epcis/events)"
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> "Settings":
        if self.environment != "production":
            return self
        for name in (
            "deployer_private_key",
            "relayer_private_key",
            "attester_private_key",
            "master_key",
            "provenance_secret",
            "ads_hash_key",
            "metrics_token",
        ):
            secret: SecretStr | None = getattr(self, name)
            if secret is not None and secret.get_secret_value().lower().startswith(PLACEHOLDER_PREFIXES):
                raise ValueError(f"TRUSTLEDGER_{name.upper()} is a placeholder; set a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
