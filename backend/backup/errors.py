"""Why a restore (or backup) refuses: one family, told apart by ``code``."""

from backend.core.errors import Refusal


class BackupRefused(Refusal):
    """checksum_mismatch, chain_id_mismatch, target_not_empty, bad_backup, pg_version_mismatch."""
