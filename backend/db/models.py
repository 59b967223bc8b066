"""Import point of every backend table, so Alembic and create_all see them all.

Each service package defines its tables in its own ``models.py``; add one import here.
"""
from backend.identity import models as identity_models  # noqa: E402,F401
from backend.chain import nonces, outbox  # noqa: E402,F401
from backend.keys import models as keys_models  # noqa: E402,F401
from backend.provenance import models as provenance_models  # noqa: E402,F401
from backend.ads import models as ads_models  # noqa: E402,F401
from backend.consent import models as consent_models  # noqa: E402,F401
from backend.campaigns import models as campaigns_models  # noqa: E402,F401
from backend.settlement import models as settlement_models  # noqa: E402,F401
