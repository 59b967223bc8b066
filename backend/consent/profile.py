"""The personal data a consumer chooses to share: one optional value per documented data category."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "non-binary", "other")
_BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")

Interest = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Profile(BaseModel):
    """Keys are the data category names of ``backend.consent.vocabulary``; absent means not shared."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    age_band: str | None = Field(None, alias="age-band", description=f"one of {', '.join(AGE_BANDS)}")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2, upper case", pattern=r"^[A-Z]{2}$")
    interests: list[Interest] | None = Field(None, max_length=20)
    language: str | None = Field(None, description="BCP 47 tag, e.g. en or pt-BR")
    gender: str | None = Field(None, description=f"one of {', '.join(GENDERS)}")

    @field_validator("age_band")
    @classmethod
    def _age_band(cls, value: str | None) -> str | None:
        if value is not None and value not in AGE_BANDS:
            raise ValueError(f"age-band must be one of {AGE_BANDS}")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not _BCP47.match(value):
            raise ValueError("language must be a BCP 47 tag such as en, de-CH or pt-BR")
        return value

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError(f"gender must be one of {GENDERS}")
        return value

    def by_category(self) -> dict:
        """{category name: value} of the shared values only."""
        return self.model_dump(by_alias=True, exclude_none=True)
