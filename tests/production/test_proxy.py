"""The reverse proxy's Caddyfile: TLS from mounted certificates in front of the API."""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.production.compose_file import PROJECT_ROOT, services

CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"
CADDY = shutil.which("caddy")


def self_signed(directory) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.mark.skipif(CADDY is None, reason="caddy not installed (apt-get install caddy)")
def test_caddyfile_validates_with_mounted_certificates(tmp_path):
    self_signed(tmp_path)
    config = tmp_path / "Caddyfile"
    config.write_text(CADDYFILE.read_text().replace("/certs/", f"{tmp_path}/"))
    result = subprocess.run(
        [CADDY, "validate", "--adapter", "caddyfile", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_proxy_serves_the_api_over_tls_from_mounted_certificates():
    text = CADDYFILE.read_text()
    assert "tls /certs/fullchain.pem /certs/privkey.pem" in text
    assert "reverse_proxy api:8000" in text
    assert "auto_https off" in text  # never asks a CA for certificates
    proxy = services()["proxy"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in proxy["volumes"]}
    assert mounts["/etc/caddy/Caddyfile"] == "./deploy/Caddyfile"
    assert "/certs" in mounts
    assert proxy["volumes"][[v.split(":")[1] for v in proxy["volumes"]].index("/certs")].endswith(":ro")
