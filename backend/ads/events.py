"""The event batch a publisher posts, validated event by event.

Body: ``{"events": [...]}`` with 1 to 10,000 events. A malformed body is refused
whole; a malformed event is rejected on its own with its reasons, and the rest of
the batch goes on. Numbers must be JSON integers (no floats, no numeric strings).

References: a click names the impression it follows (``impression_id``, the
publisher's event id of that impression) and carries an opaque ``click_id`` that
travels to the advertiser's site; a conversion carries that ``click_id`` back.
``ip``, ``device_id`` and ``user_agent`` are used for filtering only: they are
never stored in clear and never enter a leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints, TypeAdapter
from pydantic import ValidationError, model_validator
from pydantic_core import PydanticCustomError

from backend.ads.ip import pack_ip
from backend.campaigns.kinds import EventKind

MAX_BATCH_EVENTS = 10_000
MAX_INT64 = 2**63 - 1
MAX_TIMESTAMP = 2**40  # unix seconds; far beyond any real date, keeps ms values out

EventId = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")]
ClickId = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9._~:\-]{1,128}$")]


def _check_ip(text: str) -> str:
    try:
        pack_ip(text)
    except ValueError:
        raise PydanticCustomError("ip_address", "not an IPv4 or IPv6 address") from None
    return text


IpAddress = Annotated[StrictStr, StringConstraints(max_length=45), AfterValidator(_check_ip)]


class AdEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: EventId = Field(description="the publisher's id of the event, unique per publisher")
    campaign_id: Annotated[StrictInt, Field(ge=1, le=MAX_INT64)]
    kind: EventKind
    timestamp: Annotated[StrictInt, Field(ge=0, le=MAX_TIMESTAMP, description="unix seconds when it happened")]
    impression_id: EventId | None = Field(None, description="clicks: event id of the impression clicked")
    click_id: ClickId | None = Field(None, description="clicks and conversions: opaque attribution id")
    ip: IpAddress | None = None
    device_id: Annotated[StrictStr, StringConstraints(min_length=1, max_length=128)] | None = None
    user_agent: Annotated[StrictStr, StringConstraints(max_length=1024)] | None = None

    @model_validator(mode="after")
    def _references_match_kind(self) -> "AdEventIn":
        if self.kind is EventKind.IMPRESSION and (self.impression_id or self.click_id):
            raise PydanticCustomError("reference", "an impression carries neither impression_id nor click_id")
        if self.kind is EventKind.CLICK and not (self.impression_id and self.click_id):
            raise PydanticCustomError("reference", "a click needs impression_id and click_id")
        if self.kind is EventKind.CONVERSION and (self.impression_id or not self.click_id):
            raise PydanticCustomError("reference", "a conversion needs click_id and no impression_id")
        return self


_EVENTS = TypeAdapter(list[AdEventIn])


class BatchInvalid(ValueError):
    """The body as a whole is unusable; ``code`` is the API's machine-readable reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class BatchTooLarge(BatchInvalid):
    def __init__(self, count: int):
        super().__init__("batch_too_large", f"{count} events; a batch holds at most {MAX_BATCH_EVENTS}")
        self.count = count


@dataclass(frozen=True)
class EventRejection:
    index: int
    event_id: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ParsedBatch:
    events: tuple[AdEventIn, ...]
    rejected: tuple[EventRejection, ...]


def parse_batch(body: bytes) -> ParsedBatch:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BatchInvalid("batch_not_json", f"body is not JSON: {exc}") from exc
    if not isinstance(document, dict) or set(document) != {"events"} or not isinstance(document["events"], list):
        raise BatchInvalid("batch_malformed", 'body must be {"events": [...]}')
    items = document["events"]
    if not items:
        raise BatchInvalid("batch_empty", "a batch holds at least one event")
    if len(items) > MAX_BATCH_EVENTS:
        raise BatchTooLarge(len(items))
    try:
        # One call for the common all-valid batch; event by event only to find the culprits.
        return ParsedBatch(tuple(_EVENTS.validate_python(items)), ())
    except ValidationError:
        return _parse_one_by_one(items)


def _parse_one_by_one(items: list) -> ParsedBatch:
    events: list[AdEventIn] = []
    rejected: list[EventRejection] = []
    for index, item in enumerate(items):
        try:
            events.append(AdEventIn.model_validate(item))
        except ValidationError as exc:
            event_id = item.get("event_id") if isinstance(item, dict) else None
            rejected.append(
                EventRejection(index, event_id if isinstance(event_id, str) else None, _reasons(exc))
            )
    return ParsedBatch(tuple(events), tuple(rejected))


def _reasons(exc: ValidationError) -> tuple[str, ...]:
    reasons = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        reasons.append(f"{location}: {error['msg']}" if location else error["msg"])
    return tuple(reasons)
