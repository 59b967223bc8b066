"""A brand recalls one of its products: ``setProductClassRecall(gtin, true)`` is queued on the outbox
with the brand as sender, exactly as the brand's other ProvenanceRegistry calls. The product page
reads the recall from the indexer's mirror once mined, so the answer is "requested" until then."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import SessionDep, SettingsDep
from backend.api.errors import ApiError
from backend.api.routes.digital_link import chain_facts
from backend.api.routes.products import BrandGrant, EnqueueDep, _chain_address, _own_product, writer_of
from backend.provenance import brand_view
from backend.provenance.schemas import RecallRequested

router = APIRouter(prefix="/products", tags=["provenance"])


@router.post("/{gtin}/recall", status_code=202)
def recall_product(gtin: str, grant: BrandGrant, session: SessionDep, settings: SettingsDep,
                   enqueue: EnqueueDep) -> RecallRequested:
    """Recall the whole product class (every serial): queued on chain; "requested" until the mirror has it."""
    product = _own_product(session, grant, gtin)
    try:
        brand_view.check_recallable(session, product.gtin, chain_facts(settings))
    except brand_view.RecallAlreadyRequested as exc:
        raise ApiError(409, "already_recalled", str(exc), [exc.state]) from None
    writer_of(settings, enqueue).recall_product_class(
        session, _chain_address(grant.participant), product.gtin, brand_view.recall_reference(product.gtin))
    session.commit()
    return RecallRequested(gtin=product.gtin, recall="requested")
