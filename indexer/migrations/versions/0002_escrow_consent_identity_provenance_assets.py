"""Domain tables of CampaignEscrow, ConsentRegistry, DIDRegistry, ProvenanceRegistry and AssetRegistry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:09:09.045936
"""

from alembic import op
import sqlalchemy as sa
from indexer.models.base import JsonDocument
from indexer.models.base import Uint256

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_assets',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('content_hash', sa.String(length=66), nullable=False),
    sa.Column('owner', sa.String(length=42), nullable=False),
    sa.Column('registered_at', sa.BigInteger(), nullable=False),
    sa.Column('cid', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_assets'))
    )
    op.create_index('ix_chain_assets_content_hash', 'chain_assets', ['contract', 'content_hash'], unique=True)
    op.create_index(op.f('ix_chain_assets_contract'), 'chain_assets', ['contract'], unique=False)
    op.create_index(op.f('ix_chain_assets_owner'), 'chain_assets', ['owner'], unique=False)
    op.create_table('chain_campaign_fundings',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('funder', sa.String(length=42), nullable=False),
    sa.Column('amount', Uint256(), nullable=False),
    sa.Column('deposited', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_campaign_fundings'))
    )
    op.create_index(op.f('ix_chain_campaign_fundings_campaign_id'), 'chain_campaign_fundings', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_chain_campaign_fundings_contract'), 'chain_campaign_fundings', ['contract'], unique=False)
    op.create_table('chain_campaign_publishers',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('publisher', sa.String(length=42), nullable=False),
    sa.Column('settled', Uint256(), nullable=False),
    sa.Column('paid', Uint256(), nullable=False),
    sa.Column('fees', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'campaign_id', 'publisher', name=op.f('pk_chain_campaign_publishers'))
    )
    op.create_table('chain_campaigns',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('advertiser', sa.String(length=42), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('terms_hash', sa.String(length=66), nullable=False),
    sa.Column('attesters', JsonDocument, nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('verifier', sa.String(length=42), nullable=True),
    sa.Column('challenge_window', sa.Integer(), nullable=False),
    sa.Column('end_time', sa.BigInteger(), nullable=False),
    sa.Column('settlement_grace', sa.Integer(), nullable=False),
    sa.Column('fee_bps', sa.Integer(), nullable=False),
    sa.Column('challenge_bond', Uint256(), nullable=False),
    sa.Column('created_block', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('deposited', Uint256(), nullable=False),
    sa.Column('cumulative_spent', Uint256(), nullable=False),
    sa.Column('latest_epoch', sa.BigInteger(), nullable=False),
    sa.Column('matured_epoch', sa.BigInteger(), nullable=False),
    sa.Column('matured_root', sa.String(length=66), nullable=True),
    sa.Column('matured_spent', Uint256(), nullable=False),
    sa.Column('settled', Uint256(), nullable=False),
    sa.Column('paid_out', Uint256(), nullable=False),
    sa.Column('fees_pending', Uint256(), nullable=False),
    sa.Column('fees_withdrawn', Uint256(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('resumed_at', sa.BigInteger(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('refunded', Uint256(), nullable=False),
    sa.Column('challenge_count', sa.Integer(), nullable=False),
    sa.Column('open_challenge', sa.Integer(), nullable=True),
    sa.Column('pending_epochs', JsonDocument, nullable=False),
    sa.PrimaryKeyConstraint('contract', 'campaign_id', name=op.f('pk_chain_campaigns'))
    )
    op.create_index('ix_chain_campaigns_advertiser', 'chain_campaigns', ['advertiser'], unique=False)
    op.create_table('chain_challenges',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('epoch', sa.BigInteger(), nullable=False),
    sa.Column('challenger', sa.String(length=42), nullable=False),
    sa.Column('bond', Uint256(), nullable=False),
    sa.Column('deadline', sa.BigInteger(), nullable=False),
    sa.Column('opened_block', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('resolver', sa.String(length=42), nullable=True),
    sa.Column('resolved_block', sa.BigInteger(), nullable=True),
    sa.Column('revision_after', sa.Integer(), nullable=True),
    sa.Column('cumulative_spent_after', Uint256(), nullable=True),
    sa.PrimaryKeyConstraint('contract', 'campaign_id', 'number', name=op.f('pk_chain_challenges'))
    )
    op.create_table('chain_consent_offers',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('offer_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('advertiser', sa.String(length=42), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('purpose', sa.String(length=66), nullable=False),
    sa.Column('data_categories_hash', sa.String(length=66), nullable=False),
    sa.Column('compensation', Uint256(), nullable=False),
    sa.Column('cap', sa.BigInteger(), nullable=False),
    sa.Column('period_length', sa.BigInteger(), nullable=False),
    sa.Column('published_block', sa.BigInteger(), nullable=False),
    sa.Column('grants', sa.Integer(), nullable=False),
    sa.Column('grants_paid', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('refund', Uint256(), nullable=True),
    sa.PrimaryKeyConstraint('contract', 'offer_id', name=op.f('pk_chain_consent_offers'))
    )
    op.create_index(op.f('ix_chain_consent_offers_advertiser'), 'chain_consent_offers', ['advertiser'], unique=False)
    op.create_table('chain_consent_rewards',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('subject', sa.String(length=42), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('accrued', Uint256(), nullable=False),
    sa.Column('swept', Uint256(), nullable=False),
    sa.Column('sweep_nonce', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'subject', 'token', name=op.f('pk_chain_consent_rewards'))
    )
    op.create_table('chain_consents',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('consent_id', sa.String(length=66), nullable=False),
    sa.Column('subject', sa.String(length=42), nullable=False),
    sa.Column('offer_id', sa.BigInteger(), nullable=False),
    sa.Column('grantee', sa.String(length=42), nullable=False),
    sa.Column('purpose', sa.String(length=66), nullable=False),
    sa.Column('expiry', sa.BigInteger(), nullable=False),
    sa.Column('period', Uint256(), nullable=False),
    sa.Column('compensation_paid', Uint256(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('granted_block', sa.BigInteger(), nullable=False),
    sa.Column('granted_at', sa.BigInteger(), nullable=False),
    sa.Column('withdrawn_block', sa.BigInteger(), nullable=True),
    sa.Column('withdrawn_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('contract', 'consent_id', name=op.f('pk_chain_consents'))
    )
    op.create_index('ix_chain_consents_grantee_purpose', 'chain_consents', ['grantee', 'purpose'], unique=False)
    op.create_index('ix_chain_consents_subject', 'chain_consents', ['subject'], unique=False)
    op.create_table('chain_custody_transfers',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('gtin', sa.BigInteger(), nullable=False),
    sa.Column('serial_hash', sa.String(length=66), nullable=False),
    sa.Column('sender', sa.String(length=42), nullable=False),
    sa.Column('recipient', sa.String(length=42), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_custody_transfers'))
    )
    op.create_index(op.f('ix_chain_custody_transfers_contract'), 'chain_custody_transfers', ['contract'], unique=False)
    op.create_index(op.f('ix_chain_custody_transfers_gtin'), 'chain_custody_transfers', ['gtin'], unique=False)
    op.create_index(op.f('ix_chain_custody_transfers_serial_hash'), 'chain_custody_transfers', ['serial_hash'], unique=False)
    op.create_table('chain_did_attributes',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('identity', sa.String(length=42), nullable=False),
    sa.Column('name', sa.String(length=66), nullable=False),
    sa.Column('value_hash', sa.String(length=66), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.Column('valid_to', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'identity', 'name', 'value_hash', name=op.f('pk_chain_did_attributes'))
    )
    op.create_table('chain_did_changes',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('identity', sa.String(length=42), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=42), nullable=True),
    sa.Column('delegate_type', sa.String(length=66), nullable=True),
    sa.Column('delegate', sa.String(length=42), nullable=True),
    sa.Column('name', sa.String(length=66), nullable=True),
    sa.Column('value', sa.String(), nullable=True),
    sa.Column('valid_to', Uint256(), nullable=True),
    sa.Column('previous_change', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_did_changes'))
    )
    op.create_index(op.f('ix_chain_did_changes_contract'), 'chain_did_changes', ['contract'], unique=False)
    op.create_index(op.f('ix_chain_did_changes_identity'), 'chain_did_changes', ['identity'], unique=False)
    op.create_table('chain_did_delegates',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('identity', sa.String(length=42), nullable=False),
    sa.Column('delegate_type', sa.String(length=66), nullable=False),
    sa.Column('delegate', sa.String(length=42), nullable=False),
    sa.Column('valid_to', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'identity', 'delegate_type', 'delegate', name=op.f('pk_chain_did_delegates'))
    )
    op.create_table('chain_did_identities',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('identity', sa.String(length=42), nullable=False),
    sa.Column('owner', sa.String(length=42), nullable=True),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'identity', name=op.f('pk_chain_did_identities'))
    )
    op.create_table('chain_escrow_tokens',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('fee_bps', sa.Integer(), nullable=False),
    sa.Column('challenge_bond', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'token', name=op.f('pk_chain_escrow_tokens'))
    )
    op.create_table('chain_escrows',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('treasury', sa.String(length=42), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('settlement_grace', sa.Integer(), nullable=False),
    sa.Column('resolution_period', sa.Integer(), nullable=False),
    sa.Column('claim_period', sa.Integer(), nullable=False),
    sa.Column('min_challenge_window', sa.Integer(), nullable=False),
    sa.Column('max_challenge_window', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('contract', name=op.f('pk_chain_escrows'))
    )
    op.create_table('chain_fee_withdrawals',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('treasury', sa.String(length=42), nullable=False),
    sa.Column('amount', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_fee_withdrawals'))
    )
    op.create_index(op.f('ix_chain_fee_withdrawals_campaign_id'), 'chain_fee_withdrawals', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_chain_fee_withdrawals_contract'), 'chain_fee_withdrawals', ['contract'], unique=False)
    op.create_table('chain_payouts',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), nullable=False),
    sa.Column('publisher', sa.String(length=42), nullable=False),
    sa.Column('cumulative_earned', Uint256(), nullable=False),
    sa.Column('amount', Uint256(), nullable=False),
    sa.Column('fee', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_payouts'))
    )
    op.create_index(op.f('ix_chain_payouts_campaign_id'), 'chain_payouts', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_chain_payouts_contract'), 'chain_payouts', ['contract'], unique=False)
    op.create_index(op.f('ix_chain_payouts_publisher'), 'chain_payouts', ['publisher'], unique=False)
    op.create_table('chain_product_batches',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('serial_batch_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('gtin', sa.BigInteger(), nullable=False),
    sa.Column('brand', sa.String(length=42), nullable=False),
    sa.Column('serials_root', sa.String(length=66), nullable=False),
    sa.Column('serial_count', sa.BigInteger(), nullable=False),
    sa.Column('metadata_cid', sa.String(), nullable=False),
    sa.Column('recalled', sa.Boolean(), nullable=False),
    sa.Column('registered_block', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'serial_batch_id', name=op.f('pk_chain_product_batches'))
    )
    op.create_index(op.f('ix_chain_product_batches_gtin'), 'chain_product_batches', ['gtin'], unique=False)
    op.create_table('chain_product_custody',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('serial_hash', sa.String(length=66), nullable=False),
    sa.Column('custodian', sa.String(length=42), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'gtin', 'serial_hash', name=op.f('pk_chain_product_custody'))
    )
    op.create_table('chain_products',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('gtin', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('brand', sa.String(length=42), nullable=False),
    sa.Column('metadata_cid', sa.String(), nullable=False),
    sa.Column('recalled', sa.Boolean(), nullable=False),
    sa.Column('registered_block', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'gtin', name=op.f('pk_chain_products'))
    )
    op.create_index(op.f('ix_chain_products_brand'), 'chain_products', ['brand'], unique=False)
    op.create_table('chain_provenance_actors',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('brand', sa.String(length=42), nullable=False),
    sa.Column('actor', sa.String(length=42), nullable=False),
    sa.Column('authorised', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('contract', 'brand', 'actor', name=op.f('pk_chain_provenance_actors'))
    )
    op.create_table('chain_provenance_anchors',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('batch_id', sa.String(length=66), nullable=False),
    sa.Column('actor', sa.String(length=42), nullable=False),
    sa.Column('brand', sa.String(length=42), nullable=False),
    sa.Column('events_root', sa.String(length=66), nullable=False),
    sa.Column('event_count', sa.BigInteger(), nullable=False),
    sa.Column('document_cid', sa.String(), nullable=False),
    sa.Column('nonce', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_provenance_anchors'))
    )
    op.create_index(op.f('ix_chain_provenance_anchors_actor'), 'chain_provenance_anchors', ['actor'], unique=False)
    op.create_index('ix_chain_provenance_anchors_batch_id', 'chain_provenance_anchors', ['contract', 'batch_id'], unique=True)
    op.create_index(op.f('ix_chain_provenance_anchors_brand'), 'chain_provenance_anchors', ['brand'], unique=False)
    op.create_index(op.f('ix_chain_provenance_anchors_contract'), 'chain_provenance_anchors', ['contract'], unique=False)
    op.create_table('chain_settlements',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('campaign_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('epoch', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('events_root', sa.String(length=66), nullable=False),
    sa.Column('balance_root', sa.String(length=66), nullable=False),
    sa.Column('cumulative_spent', Uint256(), nullable=False),
    sa.Column('event_count', sa.BigInteger(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('committed_at', sa.BigInteger(), nullable=False),
    sa.Column('committed_block', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('matured_block', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('contract', 'campaign_id', 'epoch', name=op.f('pk_chain_settlements'))
    )


def downgrade() -> None:
    op.drop_table('chain_settlements')
    op.drop_index(op.f('ix_chain_provenance_anchors_contract'), table_name='chain_provenance_anchors')
    op.drop_index(op.f('ix_chain_provenance_anchors_brand'), table_name='chain_provenance_anchors')
    op.drop_index('ix_chain_provenance_anchors_batch_id', table_name='chain_provenance_anchors')
    op.drop_index(op.f('ix_chain_provenance_anchors_actor'), table_name='chain_provenance_anchors')
    op.drop_table('chain_provenance_anchors')
    op.drop_table('chain_provenance_actors')
    op.drop_index(op.f('ix_chain_products_brand'), table_name='chain_products')
    op.drop_table('chain_products')
    op.drop_table('chain_product_custody')
    op.drop_index(op.f('ix_chain_product_batches_gtin'), table_name='chain_product_batches')
    op.drop_table('chain_product_batches')
    op.drop_index(op.f('ix_chain_payouts_publisher'), table_name='chain_payouts')
    op.drop_index(op.f('ix_chain_payouts_contract'), table_name='chain_payouts')
    op.drop_index(op.f('ix_chain_payouts_campaign_id'), table_name='chain_payouts')
    op.drop_table('chain_payouts')
    op.drop_index(op.f('ix_chain_fee_withdrawals_contract'), table_name='chain_fee_withdrawals')
    op.drop_index(op.f('ix_chain_fee_withdrawals_campaign_id'), table_name='chain_fee_withdrawals')
    op.drop_table('chain_fee_withdrawals')
    op.drop_table('chain_escrows')
    op.drop_table('chain_escrow_tokens')
    op.drop_table('chain_did_identities')
    op.drop_table('chain_did_delegates')
    op.drop_index(op.f('ix_chain_did_changes_identity'), table_name='chain_did_changes')
    op.drop_index(op.f('ix_chain_did_changes_contract'), table_name='chain_did_changes')
    op.drop_table('chain_did_changes')
    op.drop_table('chain_did_attributes')
    op.drop_index(op.f('ix_chain_custody_transfers_serial_hash'), table_name='chain_custody_transfers')
    op.drop_index(op.f('ix_chain_custody_transfers_gtin'), table_name='chain_custody_transfers')
    op.drop_index(op.f('ix_chain_custody_transfers_contract'), table_name='chain_custody_transfers')
    op.drop_table('chain_custody_transfers')
    op.drop_index('ix_chain_consents_subject', table_name='chain_consents')
    op.drop_index('ix_chain_consents_grantee_purpose', table_name='chain_consents')
    op.drop_table('chain_consents')
    op.drop_table('chain_consent_rewards')
    op.drop_index(op.f('ix_chain_consent_offers_advertiser'), table_name='chain_consent_offers')
    op.drop_table('chain_consent_offers')
    op.drop_table('chain_challenges')
    op.drop_index('ix_chain_campaigns_advertiser', table_name='chain_campaigns')
    op.drop_table('chain_campaigns')
    op.drop_table('chain_campaign_publishers')
    op.drop_index(op.f('ix_chain_campaign_fundings_contract'), table_name='chain_campaign_fundings')
    op.drop_index(op.f('ix_chain_campaign_fundings_campaign_id'), table_name='chain_campaign_fundings')
    op.drop_table('chain_campaign_fundings')
    op.drop_index(op.f('ix_chain_assets_owner'), table_name='chain_assets')
    op.drop_index(op.f('ix_chain_assets_contract'), table_name='chain_assets')
    op.drop_index('ix_chain_assets_content_hash', table_name='chain_assets')
    op.drop_table('chain_assets')
