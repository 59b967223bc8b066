"""The consumer consent wallet's view-model: the open offers, in plain words, with who is asking.

The page lists offers server-side (public facts from the indexer's mirror, names from the
participant records); everything about the signed-in consumer is fetched by the page from
the API with its in-memory session (``web/pages/consumer.js``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend.campaigns.chain import TOKEN_DECIMALS
from backend.chain.deploy import TOKENS
from backend.consent import mirror
from backend.consent.chain import ConsentDeployment
from backend.consent.erasure import ERASURE_STATEMENT
from backend.consent.client import SIGN_IN_STATEMENT
from backend.consent.offers import offer_view
from backend.consent.vocabulary import DATA_CATEGORIES, PURPOSES
from backend.identity.models import Participant

CONSENT_DAYS = 90  # how long a consent granted from the page holds


@dataclass(frozen=True)
class OfferCard:
    offer_id: int
    advertiser: str  # chain address
    advertiser_name: str | None
    purpose: str | None  # DPV term, None outside the vocabulary
    purpose_words: str
    data_categories: list[str]
    compensation: str  # token base units
    token_symbol: str
    token_decimals: int
    period_seconds: int
    grants_left: int


@dataclass(frozen=True)
class WalletPage:
    deployed: bool
    offers: list[OfferCard]
    config: dict  # for the page's module


def token_symbols(deployment: ConsentDeployment) -> dict[str, str]:
    names = {name: symbol for name, _label, symbol in TOKENS}
    return {address: names.get(name, name) for name, address in deployment.tokens.items()}


def _names(session: Session, addresses: set[str]) -> dict[str, str]:
    if not addresses:
        return {}
    rows = session.exec(select(Participant).where(Participant.chain_address.in_(sorted(addresses))))  # type: ignore[union-attr]
    return {row.chain_address: row.display_name for row in rows if row.chain_address}


def wallet_page(session: Session, deployment: ConsentDeployment | None, limit: int = 100) -> WalletPage:
    config = {"signInStatement": SIGN_IN_STATEMENT, "erasureStatement": ERASURE_STATEMENT, "consentDays": CONSENT_DAYS,
              "purposeKeys": sorted(PURPOSES), "categoryKeys": sorted(DATA_CATEGORIES)}
    if deployment is None:
        return WalletPage(deployed=False, offers=[], config=config)
    views = [offer_view(deployment, row) for row in mirror.offers(
        session, deployment.registry, advertiser=None, open_only=True, limit=limit)]
    names = _names(session, {view["advertiser"] for view in views})
    symbols = token_symbols(deployment)
    offers = [
        OfferCard(
            offer_id=view["offer_id"],
            advertiser=view["advertiser"],
            advertiser_name=names.get(view["advertiser"]),
            purpose=view["purpose"],
            purpose_words=PURPOSES.get(view["purpose"] or "", "a purpose outside the published list"),
            data_categories=view["data_categories"],
            compensation=view["compensation"],
            token_symbol=symbols.get(view["token"], view["token"]),
            token_decimals=TOKEN_DECIMALS,
            period_seconds=view["period_seconds"],
            grants_left=view["cap"] - view["grants"],
        )
        for view in views
    ]
    config |= {"chainId": deployment.chain_id, "registry": deployment.registry, "tokens": symbols,
               "tokenDecimals": TOKEN_DECIMALS}
    return WalletPage(deployed=True, offers=offers, config=config)
