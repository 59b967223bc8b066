"""Custodial keys: sealed with AES-256-GCM under a rotatable master key, opened only to sign, never shown."""

from __future__ import annotations

import base64
import logging
import pickle

import pytest
from eth_account import Account
from sqlmodel import select

from backend.core.config import Settings
from backend.keys import (
    KeyDecryptionError,
    MasterKey,
    MasterKeyMismatch,
    MasterKeyUnavailable,
    UnknownSigner,
    create_custodial_key,
    custodial_address,
    open_custodial_key,
    rotate_master_key,
    signer_for,
)
from backend.keys.models import CustodialKey
from backend.keys.sealing import unseal
from tests.sender.support import DEPLOYER, RELAYER

MASTER = MasterKey(b"\x01" * 32)
OTHER = MasterKey(b"\x02" * 32)


def row_of(session, address: str) -> CustodialKey:
    return session.exec(select(CustodialKey).where(CustodialKey.address == address)).one()


def test_round_trip_opens_the_key_that_was_sealed(session):
    address = create_custodial_key(session, "participant:a", master=MASTER)
    session.commit()

    account = open_custodial_key(session, address, master=MASTER)
    assert account.address == address
    signed = account.sign_transaction({"chainId": 1, "nonce": 0, "to": address, "value": 0, "gas": 21000, "gasPrice": 0})
    assert Account.recover_transaction(signed.raw_transaction) == address
    row = row_of(session, address)
    assert row.master_key_id == MASTER.key_id and len(row.nonce) == 12
    assert account.key not in row.ciphertext and len(row.ciphertext) == 32 + 16  # key + GCM tag


def test_one_key_per_owner_and_distinct_keys_for_distinct_owners(session):
    first = create_custodial_key(session, "participant:a", master=MASTER)
    assert create_custodial_key(session, "participant:a", master=MASTER) == first
    second = create_custodial_key(session, "participant:b", master=MASTER)
    assert second != first and custodial_address(session, "participant:b") == second
    assert custodial_address(session, "participant:unknown") is None
    assert len(session.exec(select(CustodialKey)).all()) == 2


def test_wrong_master_key_does_not_open(session):
    address = create_custodial_key(session, "participant:a", master=MASTER)
    with pytest.raises(MasterKeyMismatch, match=f"sealed under master key {MASTER.key_id}, not {OTHER.key_id}"):
        open_custodial_key(session, address, master=OTHER)
    row = row_of(session, address)
    with pytest.raises(KeyDecryptionError):  # even when the key id check is bypassed, GCM refuses it
        unseal(OTHER, address, row.nonce, row.ciphertext)


def test_altered_or_moved_ciphertext_does_not_open(session):
    a = create_custodial_key(session, "participant:a", master=MASTER)
    b = create_custodial_key(session, "participant:b", master=MASTER)
    row_a, row_b = row_of(session, a), row_of(session, b)
    # Copied onto another participant's row: the address is bound in as associated data.
    with pytest.raises(KeyDecryptionError):
        unseal(MASTER, b, row_a.nonce, row_a.ciphertext)
    row_b.ciphertext = bytes([row_b.ciphertext[0] ^ 1]) + row_b.ciphertext[1:]
    with pytest.raises(KeyDecryptionError):
        open_custodial_key(session, b, master=MASTER)


def test_rotation_reseals_every_key_and_the_old_master_key_is_no_longer_needed(session):
    addresses = [create_custodial_key(session, f"participant:{i}", master=MASTER) for i in range(3)]
    session.commit()
    before = {a: (row_of(session, a).nonce, row_of(session, a).ciphertext) for a in addresses}

    assert rotate_master_key(session, MASTER, OTHER) == 3
    session.commit()

    for address in addresses:
        row = row_of(session, address)
        assert row.master_key_id == OTHER.key_id and row.rotated_at is not None
        assert (row.nonce, row.ciphertext) != before[address]
        assert open_custodial_key(session, address, master=OTHER).address == address
        with pytest.raises(MasterKeyMismatch):
            open_custodial_key(session, address, master=MASTER)
        with pytest.raises(KeyDecryptionError):
            unseal(MASTER, address, row.nonce, row.ciphertext)
    assert rotate_master_key(session, MASTER, OTHER) == 0


def test_rotation_with_a_corrupt_key_changes_nothing(session):
    good = create_custodial_key(session, "participant:good", master=MASTER)
    bad = create_custodial_key(session, "participant:bad", master=MASTER)
    session.commit()
    row = row_of(session, bad)
    row.ciphertext = b"\x00" * len(row.ciphertext)
    session.commit()

    with pytest.raises(KeyDecryptionError):
        rotate_master_key(session, MASTER, OTHER)
    session.rollback()

    assert row_of(session, good).master_key_id == MASTER.key_id
    assert open_custodial_key(session, good, master=MASTER).address == good


def test_private_keys_never_appear_in_logs_reprs_or_errors(session, caplog):
    with caplog.at_level(logging.DEBUG):
        address = create_custodial_key(session, "participant:a", master=MASTER)
        session.commit()
        account = open_custodial_key(session, address, master=MASTER)
        rotate_master_key(session, MASTER, OTHER)
        session.commit()
        with pytest.raises(MasterKeyMismatch) as mismatch:
            open_custodial_key(session, address, master=MASTER)
    secrets = [account.key.hex(), account.key.hex().upper(), MASTER.to_base64(), OTHER.to_base64(), OTHER.secret.hex()]
    row = row_of(session, address)
    shown = " ".join([caplog.text, repr(row), str(row), repr(OTHER), str(OTHER), str(mismatch.value)])
    assert address in caplog.text  # the log does say what happened
    for secret in secrets:
        assert secret not in shown
    assert "ciphertext" not in repr(row) and repr(OTHER) == f"MasterKey(key_id={OTHER.key_id!r})"
    with pytest.raises(TypeError):
        pickle.dumps(OTHER)


def test_master_key_comes_from_settings_or_a_file(tmp_path):
    encoded = MASTER.to_base64()
    assert MasterKey.from_settings(Settings(master_key=encoded)) == MASTER
    path = tmp_path / "master.key"
    MASTER.write_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert MasterKey.from_settings(Settings(master_key_file=path)) == MASTER
    with pytest.raises(FileExistsError):
        OTHER.write_file(path)
    with pytest.raises(MasterKeyUnavailable, match="set TRUSTLEDGER_MASTER_KEY"):
        MasterKey.from_settings(Settings(master_key=None, master_key_file=None))
    with pytest.raises(MasterKeyUnavailable, match="32 bytes, got 16"):
        MasterKey.from_base64(base64.b64encode(b"x" * 16).decode())
    with pytest.raises(MasterKeyUnavailable, match="not valid base64"):
        MasterKey.from_base64("not base64!")
    with pytest.raises(MasterKeyUnavailable, match="cannot read"):
        MasterKey.from_file(tmp_path / "missing.key")
    assert MasterKey.generate() != MasterKey.generate()


def test_keyring_finds_platform_and_custodial_keys(session):
    settings = Settings(deployer_private_key=DEPLOYER, relayer_private_key=RELAYER, master_key=MASTER.to_base64())
    deployer, relayer = Account.from_key(DEPLOYER), Account.from_key(RELAYER)
    custodial = create_custodial_key(session, "participant:a", master=MASTER)

    assert signer_for(session, deployer.address.lower(), settings=settings).address == deployer.address
    assert signer_for(session, relayer.address, settings=settings).key == relayer.key
    assert signer_for(session, custodial, settings=settings).address == custodial
    stranger = Account.create().address
    with pytest.raises(UnknownSigner, match=f"no signing key held for {stranger}"):
        signer_for(session, stranger, settings=settings)
    without_master = Settings(master_key=None, master_key_file=None)
    with pytest.raises(MasterKeyUnavailable):
        signer_for(session, custodial, settings=without_master)


def test_cli_creates_a_master_key_and_rotates_to_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from backend.cli import app
    from backend.core.db import engine_for
    from sqlmodel import Session
    from tests.sender.databases import database

    runner = CliRunner()
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    assert runner.invoke(app, ["keys", "new-master-key", "--out", str(old_file)]).exit_code == 0
    assert runner.invoke(app, ["keys", "new-master-key", "--out", str(old_file)]).exit_code == 4  # never overwritten (EXIT_BAD_INPUT)
    assert runner.invoke(app, ["keys", "new-master-key", "--out", str(new_file)]).exit_code == 0
    old, new = MasterKey.from_file(old_file), MasterKey.from_file(new_file)
    with database("sqlite", tmp_path, purpose="keys_cli") as url:
        with Session(engine_for(url)) as session:
            address = create_custodial_key(session, "participant:a", master=old)
            session.commit()
        for configured, exit_code, message in (
            (new_file, 1, "1 custodial keys are sealed under neither master key"),  # wrong current key
            (old_file, 0, f"1 custodial keys re-sealed from master key {old.key_id} to {new.key_id}"),
        ):
            settings = Settings(database_url=url, master_key=None, master_key_file=configured)
            monkeypatch.setattr("backend.cli.keys.get_settings", lambda s=settings: s)
            result = runner.invoke(app, ["keys", "rotate", "--new-key-file", str(new_file)])
            assert result.exit_code == exit_code and message in " ".join(result.output.split())
        with Session(engine_for(url)) as session:
            assert open_custodial_key(session, address, master=new).address == address
