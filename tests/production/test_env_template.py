"""Every variable the services read is in deploy/trustledger.env.example, and nothing stale is."""

from __future__ import annotations

import importlib
from urllib.parse import urlparse

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from tests.production.compose_file import referenced_variables, template_variables

SETTINGS_CLASSES = ["backend.core.config:Settings", "indexer.config:IndexerSettings"]
# Read by the postgres image, not by our code.
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}


def load_settings_class(path: str) -> type[BaseSettings]:
    module_name, _, class_name = path.partition(":")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"{path} does not exist yet ({exc}); its variables cannot be checked")


def environment_names(settings_class: type[BaseSettings]) -> dict[str, set[str]]:
    """Field -> the environment variable names that set it (any one suffices)."""
    prefix = settings_class.model_config.get("env_prefix", "")
    names: dict[str, set[str]] = {}
    for field_name, field in settings_class.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, AliasChoices):
            names[field_name] = {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names[field_name] = {alias.upper()}
        else:
            names[field_name] = {f"{prefix}{field_name}".upper()}
    return names


@pytest.mark.parametrize("settings_path", SETTINGS_CLASSES)
def test_every_setting_is_in_the_template(settings_path):
    settings_class = load_settings_class(settings_path)
    assigned, documented = template_variables()
    missing = {
        field: sorted(names)
        for field, names in environment_names(settings_class).items()
        if not names & (assigned | documented)
    }
    assert missing == {}, f"add these to deploy/trustledger.env.example: {missing}"


def test_every_variable_the_compose_file_references_is_in_the_template():
    assigned, documented = template_variables()
    for name, has_default in referenced_variables().items():
        if has_default:
            assert name in assigned | documented, f"${{{name}}} is not explained in the template"
        else:
            assert name in assigned, f"${{{name}}} has no default and is not set in the template"


def test_the_template_holds_nothing_that_nobody_reads():
    known = POSTGRES_IMAGE_VARIABLES | set(referenced_variables())
    for path in SETTINGS_CLASSES:
        for names in environment_names(load_settings_class(path)).values():
            known |= names
    assigned, documented = template_variables()
    assert (assigned | documented) - known == set()


def test_database_url_matches_the_postgres_credentials():
    values = {}
    for line in template_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    url = urlparse(values["DATABASE_URL"])
    assert url.hostname == "postgres"
    assert (url.username, url.password, url.path.lstrip("/")) == (
        values["POSTGRES_USER"],
        values["POSTGRES_PASSWORD"],
        values["POSTGRES_DB"],
    )


def test_secrets_in_the_template_are_placeholders():
    from backend.core.config import PLACEHOLDER_PREFIXES

    for line in template_text().splitlines():
        key, _, value = line.partition("=")
        if not line.startswith("#") and any(word in key for word in ("KEY", "PASSWORD", "SECRET")):
            assert value.lower().startswith(PLACEHOLDER_PREFIXES), f"{key} must be a placeholder"


def template_text() -> str:
    from tests.production.compose_file import ENV_TEMPLATE

    return ENV_TEMPLATE.read_text()
