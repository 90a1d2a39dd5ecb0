"""Credentials: read from the environment or .env, hashed for the ledger, masked everywhere."""

from __future__ import annotations

import io
import logging

from importer.emision.secrets import (
    Credentials,
    SecretFilter,
    load_credentials,
    load_settings,
    mask_secrets,
    missing_credential_names,
)


def test_dotenv_fills_what_the_environment_lacks(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# credenciales\nexport TUSFACTURAS_USERTOKEN='abcd1234user'\nTUSFACTURAS_APIKEY=4321\n"
        'TUSFACTURAS_APITOKEN="tok en 99"  \nOTRA=1 # comentario\n'
    )
    settings = load_settings({"TUSFACTURAS_APIKEY": "9999"}, env_file)
    creds = load_credentials(settings)
    assert (creds.usertoken, creds.apikey, creds.apitoken) == ("abcd1234user", "9999", "tok en 99")
    assert settings["OTRA"] == "1"


def test_missing_names_are_listed(tmp_path):
    settings = load_settings({"TUSFACTURAS_APIKEY": "1"}, tmp_path / "no-existe.env")
    assert load_credentials(settings) is None
    assert missing_credential_names(settings) == ["TUSFACTURAS_USERTOKEN", "TUSFACTURAS_APITOKEN"]


def test_account_key_is_stable_one_way_and_per_triple():
    a = Credentials("usertoken-secret-1", "1134", "apitoken-secret-1")
    assert a.account_key() == Credentials("usertoken-secret-1", "1134", "apitoken-secret-1").account_key()
    assert a.account_key() != Credentials("usertoken-secret-1", "1135", "apitoken-secret-1").account_key()
    assert "secret" not in a.account_key() and "secret" not in repr(a)


def test_secrets_are_masked_in_texts_and_log_records():
    Credentials("s3cr3t-user-token", "1134", "s3cr3t-api-token")
    assert mask_secrets("falló con s3cr3t-user-token y s3cr3t-api-token") == "falló con *** y ***"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    log = logging.getLogger("tf-import-secrets-test")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("body=%s", {"usertoken": "s3cr3t-user-token"})
    finally:
        log.removeHandler(handler)
    assert "s3cr3t" not in stream.getvalue() and "***" in stream.getvalue()
