"""Writing and reading a backup: ``backup.json`` beside the files it lists with their sha256."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import BaseModel, ValidationError

from backend.backup import database
from backend.backup.errors import BackupRefused

BACKUP_FORMAT = 1
MANIFEST = "backup.json"
DB_FILE = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
DEPLOYMENT = "deployment.json"
CONTENT = "content"

Progress = Callable[[str], None]


class BackupManifest(BaseModel):
    format: int
    created_at: datetime
    app_version: str
    chain_id: int | None
    contracts: dict[str, str]
    database_kind: str
    content_store: str  # "local" (copied under content/) or "kubo" (not copied: pin it on the Kubo side)
    master_key_included: bool = False  # always false: the custodial keys travel sealed in the database
    files: dict[str, str]  # relative path -> sha256 hex


def _app_version() -> str:
    try:
        return version("trustledger")
    except PackageNotFoundError:  # pragma: no cover - source checkout without install
        return "unknown"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _deployment(manifest_path: Path) -> tuple[int | None, dict[str, str]]:
    if not manifest_path.exists():
        return None, {}
    data = json.loads(manifest_path.read_text())
    return int(data["chainId"]), {name: entry["address"] for name, entry in data.get("contracts", {}).items()}


def create_backup(
    dest: Path,
    *,
    database_url: str,
    manifest_path: Path,
    content_store_url: str,
    progress: Progress = lambda _: None,
) -> BackupManifest:
    """Write a backup to ``dest`` (a new or empty directory, or a path ending in .tar)."""
    archive = dest.suffix == ".tar"
    if dest.exists() and (archive or any(dest.iterdir())):
        raise BackupRefused("target_not_empty", f"{dest} exists and is not empty; choose a new backup path")
    kind = database.database_kind(database_url)
    with tempfile.TemporaryDirectory(prefix="trustledger-backup-") as scratch:
        root = Path(scratch) if archive else dest
        root.mkdir(parents=True, exist_ok=True)
        progress(f"dumping the {kind} database")
        database.dump(database_url, root / DB_FILE[kind])
        chain_id, contracts = _deployment(manifest_path)
        if manifest_path.exists():
            shutil.copy2(manifest_path, root / DEPLOYMENT)
        store = "kubo" if content_store_url.startswith(("http://", "https://")) else "local"
        content_dir = Path(content_store_url.removeprefix("file://"))
        if store == "local" and content_dir.is_dir():
            progress(f"copying the content store {content_dir}")
            shutil.copytree(content_dir, root / CONTENT)
        progress("computing checksums")
        files = {
            str(path.relative_to(root)): sha256(path) for path in sorted(root.rglob("*")) if path.is_file()
        }
        manifest = BackupManifest(
            format=BACKUP_FORMAT,
            created_at=datetime.now(UTC),
            app_version=_app_version(),
            chain_id=chain_id,
            contracts=contracts,
            database_kind=kind,
            content_store=store,
            files=files,
        )
        (root / MANIFEST).write_text(manifest.model_dump_json(indent=2))
        if archive:
            progress(f"writing {dest}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tarfile.open(dest, "w") as tar:
                for path in sorted(root.iterdir()):
                    tar.add(path, arcname=path.name)
    return manifest


@contextmanager
def _opened(src: Path):
    if not src.exists():
        raise FileNotFoundError(2, "no such backup", str(src))
    if src.is_dir():
        yield src
        return
    with tempfile.TemporaryDirectory(prefix="trustledger-restore-") as scratch:
        try:
            with tarfile.open(src) as tar:
                tar.extractall(scratch, filter="data")
        except tarfile.TarError as exc:
            raise BackupRefused("bad_backup", f"{src} is not a backup directory or .tar ({exc})") from exc
        yield Path(scratch)


def read_manifest(root: Path) -> BackupManifest:
    try:
        manifest = BackupManifest.model_validate_json((root / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupRefused("bad_backup", f"{root} holds no {MANIFEST}: not a trustledger backup") from None
    except ValidationError as exc:
        raise BackupRefused("bad_backup", f"{MANIFEST} is invalid ({exc.error_count()} errors)") from None
    if manifest.format != BACKUP_FORMAT:
        raise BackupRefused("bad_backup", f"backup format {manifest.format}; this version reads {BACKUP_FORMAT}")
    return manifest


def verify_files(root: Path, manifest: BackupManifest) -> None:
    for name, expected in manifest.files.items():
        path = root / name
        if not path.is_file():
            raise BackupRefused("checksum_mismatch", f"{name} is missing from the backup")
        if sha256(path) != expected:
            raise BackupRefused("checksum_mismatch", f"{name} does not match its sha256 in {MANIFEST}")


def restore_backup(
    src: Path,
    *,
    database_url: str,
    manifest_path: Path,
    content_store_url: str,
    configured_chain_id: int | None,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> BackupManifest:
    """Check everything first (checksums, chain id, empty target), then load the database and files."""
    with _opened(src) as root:
        manifest = read_manifest(root)
        progress("verifying checksums")
        verify_files(root, manifest)
        if configured_chain_id is not None and manifest.chain_id not in (None, configured_chain_id):
            raise BackupRefused(
                "chain_id_mismatch",
                f"the backup is of chain {manifest.chain_id}, the configured chain is {configured_chain_id}",
            )
        kind = database.database_kind(database_url)
        if kind != manifest.database_kind:
            raise BackupRefused(
                "bad_backup", f"the backup holds a {manifest.database_kind} database, the target is {kind}"
            )
        if not force and database.has_tables(database_url):
            raise BackupRefused(
                "target_not_empty", "the target database is not empty; pass --force to overwrite it"
            )
        progress(f"loading the {kind} database")
        database.load(database_url, root / DB_FILE[kind])
        if DEPLOYMENT in manifest.files:
            manifest_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / DEPLOYMENT, manifest_path)
        if manifest.content_store == "local" and (root / CONTENT).is_dir():
            target = Path(content_store_url.removeprefix("file://"))
            progress(f"restoring the content store into {target}")
            shutil.copytree(root / CONTENT, target, dirs_exist_ok=True)
    return manifest
