"""Ad settlement: from priced events to committed roots, payouts, disputes and proofs.

Sub-packages by what happens, in pipeline order; modules are imported by their full
name (this file exports nothing), so importing an encoding never pulls in the
database, the mirror or the API::

    encoding/    the bytes CampaignEscrow checks: leaves of both trees, the epoch record,
                 the EIP-712 attestation (pure)
    epochs/      pricing (one epoch, pure), settle (a pass over a campaign), store
                 (reads and writes in the caller's transaction), reconcile (undo epochs
                 the chain will never pay)
    cosigning/   commit (commitSettlement into the outbox once signed), signers (epochs
                 awaiting attesters besides the platform's), attester (the API's side)
    payouts/     owed (what the matured root owes each publisher, with its proof),
                 keeper (mature roots, expire challenges, push payouts)
    proofs/      event_proof (an event's proof), verification (checking one on chain)
    onchain/     writes (the escrow, keys and outbox references), reads (the mirror)
    disputes     challenges and auditor resolutions through the API
    reports      settlements, reports and payouts as the API answers them
    passes       passes with their own sessions (tasks, CLI, demo); tasks: Celery entry
                 points; demo: the `make demo` step
    models, schemas, errors   tables, API shapes, refusals
"""
