from fastapi import APIRouter
from sqlalchemy import text

from backend.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict:
    """Liveness and database reachability, for load balancers and compose health checks."""
    session.exec(text("SELECT 1"))
    return {"status": "ok"}
