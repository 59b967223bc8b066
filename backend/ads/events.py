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
from typing import Annotated, Literal, NamedTuple

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints, TypeAdapter
from pydantic import ValidationError, model_validator, with_config
from pydantic_core import PydanticCustomError
from typing_extensions import NotRequired, TypedDict

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


IpText = Annotated[StrictStr, StringConstraints(max_length=45)]
IpAddress = Annotated[IpText, AfterValidator(_check_ip)]
CampaignId = Annotated[StrictInt, Field(ge=1, le=MAX_INT64)]
Timestamp = Annotated[StrictInt, Field(ge=0, le=MAX_TIMESTAMP, description="unix seconds when it happened")]
DeviceId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=128)]
UserAgent = Annotated[StrictStr, StringConstraints(max_length=1024)]


class AdEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: EventId = Field(description="the publisher's id of the event, unique per publisher")
    campaign_id: CampaignId
    kind: EventKind
    timestamp: Timestamp
    impression_id: EventId | None = Field(None, description="clicks: event id of the impression clicked")
    click_id: ClickId | None = Field(None, description="clicks and conversions: opaque attribution id")
    ip: IpAddress | None = None
    device_id: DeviceId | None = None
    user_agent: UserAgent | None = None

    @model_validator(mode="after")
    def _references_match_kind(self) -> "AdEventIn":
        if self.kind is EventKind.IMPRESSION and (self.impression_id or self.click_id):
            raise PydanticCustomError("reference", "an impression carries neither impression_id nor click_id")
        if self.kind is EventKind.CLICK and not (self.impression_id and self.click_id):
            raise PydanticCustomError("reference", "a click needs impression_id and click_id")
        if self.kind is EventKind.CONVERSION and (self.impression_id or not self.click_id):
            raise PydanticCustomError("reference", "a conversion needs click_id and no impression_id")
        return self


class Event(NamedTuple):
    """A valid event as the ingest path reads it: ``AdEventIn``'s fields, and the IP packed (``ip.pack_ip``)."""

    event_id: str
    campaign_id: int
    kind: EventKind
    timestamp: int
    impression_id: str | None
    click_id: str | None
    ip: str | None
    device_id: str | None
    user_agent: str | None
    packed_ip: bytes | None

    @classmethod
    def of(cls, model: AdEventIn) -> "Event":
        ip = model.ip
        return cls(
            model.event_id, model.campaign_id, model.kind, model.timestamp, model.impression_id, model.click_id,
            ip, model.device_id, model.user_agent, None if ip is None else pack_ip(ip),
        )  # fmt: skip


@with_config(ConfigDict(extra="forbid"))
class _EventFields(TypedDict):
    """``AdEventIn``'s fields and their constraints, without its two Python checks (the IP parses, the
    references match the kind) and without a model instance: the all-valid batch's fast path."""

    event_id: EventId
    campaign_id: CampaignId
    kind: Literal["impression", "click", "conversion"]
    timestamp: Timestamp
    impression_id: NotRequired[EventId | None]
    click_id: NotRequired[ClickId | None]
    ip: NotRequired[IpText | None]
    device_id: NotRequired[DeviceId | None]
    user_agent: NotRequired[UserAgent | None]


_FAST_EVENTS = TypeAdapter(list[_EventFields])
_KINDS = {kind.value: kind for kind in EventKind}


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
    events: tuple[Event, ...]
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
    # The common all-valid batch in one call and one loop; event by event, through ``AdEventIn``,
    # only to find the culprits and their reasons.
    events = _all_valid(items)
    return ParsedBatch(events, ()) if events is not None else _parse_one_by_one(items)


def _all_valid(items: list) -> tuple[Event, ...] | None:
    """Every item as an ``Event`` if each one is valid (exactly as ``AdEventIn`` decides), else None.

    The field checks run in pydantic-core on plain dicts (a model instance and its Python
    validators cost about twice as much for a 1,000-event batch); the IP and the kind's
    references are checked here, and the IP is packed once for the filters and the hash.
    """
    try:
        fields = _FAST_EVENTS.validate_python(items)
    except ValidationError:
        return None
    events = []
    append, kinds, impression, click, conversion = events.append, _KINDS, EventKind.IMPRESSION, EventKind.CLICK, EventKind.CONVERSION
    for item in fields:
        get = item.get
        kind = kinds[item["kind"]]
        impression_id, click_id, ip = get("impression_id"), get("click_id"), get("ip")
        if kind is impression:
            if impression_id is not None or click_id is not None:
                return None
        elif kind is click:
            if impression_id is None or click_id is None:
                return None
        elif impression_id is not None or click_id is None:  # a conversion
            return None
        if ip is None:
            packed = None
        else:
            try:
                packed = pack_ip(ip)
            except ValueError:
                return None
        append(
            Event(
                item["event_id"], item["campaign_id"], kind, item["timestamp"], impression_id, click_id,
                ip, get("device_id"), get("user_agent"), packed,
            )  # fmt: skip
        )
    return tuple(events)


def _parse_one_by_one(items: list) -> ParsedBatch:
    events: list[Event] = []
    rejected: list[EventRejection] = []
    for index, item in enumerate(items):
        try:
            events.append(Event.of(AdEventIn.model_validate(item)))
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
