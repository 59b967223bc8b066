"""Base class of the backend's tables, with its own metadata.

The indexer keeps its tables (and its Alembic history) apart; a separate registry
lets the backend's migrations see only the backend's tables in the shared database.
"""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class BackendModel(SQLModel, registry=registry()):
    pass


metadata = BackendModel.metadata
