"""Backup and restore of one installation: the database, the local content store and the manifest.

A backup is a directory (or a .tar of one) holding ``backup.json`` (format, time, versions,
chain id, contract addresses, database kind and a sha256 per file) beside the files. The
custodial keys travel sealed inside the database; the master key is never written here.
"""

from backend.backup.archive import BACKUP_FORMAT, BackupManifest, create_backup, restore_backup
from backend.backup.errors import BackupRefused

__all__ = ["BACKUP_FORMAT", "BackupManifest", "BackupRefused", "create_backup", "restore_backup"]
