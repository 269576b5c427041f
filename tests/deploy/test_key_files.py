"""Secrets from files and the KEK ring: the first key seals, every key opens, a file is
re-read when nothing held opens a value (what lets a process live through rotate-kek)."""

import base64
import secrets
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from openbadges.keys import PrivateKey, generate_key_pair
from service.domain.issuers.keyvault import KeyVault
from service.settings import Settings, read_key_ring, write_key_ring


def key() -> bytes:
    return secrets.token_bytes(32)


def der(private: PrivateKey) -> bytes:
    return private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


def test_secrets_come_from_files_and_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    kek, token = key(), key()
    write_key_ring(tmp_path / "kek", [kek, key()])
    write_key_ring(tmp_path / "token", [token])
    settings = Settings.from_env(
        {
            "INSIGNE_DATA_DIR": str(tmp_path / "data"),
            "INSIGNE_KEY_ENCRYPTION_KEY": "",
            "INSIGNE_KEY_ENCRYPTION_KEY_FILE": str(tmp_path / "kek"),
            "INSIGNE_TOKEN_SECRET": "",
            "INSIGNE_TOKEN_SECRET_FILE": str(tmp_path / "token"),
        }
    )
    assert settings.key_encryption_key == kek
    assert settings.token_secret == token
    assert settings.key_encryption_key_file == tmp_path / "kek"
    assert (tmp_path / "kek").stat().st_mode & 0o077 == 0
    assert not (tmp_path / "data").exists()  # no development secret was made


def test_a_key_from_the_environment_wins_and_is_never_re_read(tmp_path: Path) -> None:
    kek = key()
    settings = Settings.from_env(
        {
            "INSIGNE_DATA_DIR": str(tmp_path),
            "INSIGNE_KEY_ENCRYPTION_KEY": base64.b64encode(kek).decode(),
            "INSIGNE_KEY_ENCRYPTION_KEY_FILE": str(tmp_path / "absent"),
        }
    )
    assert settings.key_encryption_key == kek
    assert settings.key_encryption_key_file is None


def test_empty_variables_fall_back_to_the_development_file(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "INSIGNE_DATA_DIR": str(tmp_path),
            "INSIGNE_KEY_ENCRYPTION_KEY": "",
            "INSIGNE_KEY_ENCRYPTION_KEY_FILE": "",
        }
    )
    assert settings.key_encryption_key_file == tmp_path / "key-encryption-key"
    assert read_key_ring(tmp_path / "key-encryption-key") == (settings.key_encryption_key,)


def test_a_bad_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kek").write_text(base64.b64encode(b"short").decode())
    with pytest.raises(ValueError, match="32-byte keys"):
        read_key_ring(tmp_path / "kek")


def test_the_ring_seals_with_its_first_key_and_opens_with_any() -> None:
    old, new = key(), key()
    private = generate_key_pair().private_key
    under_old = KeyVault(old).seal(private)
    ring = KeyVault(new, source=lambda: (new, old))

    assert der(ring.open(under_old)) == der(private)
    assert der(KeyVault(new).open(ring.seal(private))) == der(private)
    with pytest.raises(InvalidTag):
        KeyVault(key()).open(under_old)


def test_a_vault_re_reads_its_file_when_nothing_it_holds_opens(tmp_path: Path) -> None:
    first, second = key(), key()
    write_key_ring(tmp_path / "kek", [first])
    vault = KeyVault(first, source=lambda: read_key_ring(tmp_path / "kek"))
    write_key_ring(tmp_path / "kek", [second, first])  # what rotate-kek writes first
    sealed_by_another = KeyVault(second).seal_bytes(b"whsec")

    assert vault.open_bytes(sealed_by_another) == b"whsec"
    assert KeyVault(second).open_bytes(vault.seal_bytes(b"new")) == b"new"  # seals with it now
