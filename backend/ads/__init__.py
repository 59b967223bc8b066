"""Ad events: signed batch ingestion, invalid-traffic filters, pricing.

Data flow and rules: ARCHITECTURE.md, "Data flow (ads)" and "Money, proofs and trust".

Modules are imported by their full name (this file exports nothing). A campaign's terms
and the event kinds they price live in ``backend.campaigns`` (``terms``, ``kinds``): ads
imports campaigns, never the reverse. The modules that wire this core to the rest of the
backend: ``intake`` (a signed batch from bytes to committed rows, behind
``POST /v1/events``), ``publisher_keys``, ``campaign_states``, ``reports``, ``settings``
and ``tasks`` (the retention purge).
"""
