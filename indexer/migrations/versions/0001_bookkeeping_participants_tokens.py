"""Bookkeeping (raw logs, block window, checkpoint, undo journal, contracts), participants, tokens.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 00:02:45.422999
"""

from alembic import op
import sqlalchemy as sa
from indexer.models.base import JsonDocument
from indexer.models.base import Uint256

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_blocks',
    sa.Column('chain_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=66), nullable=False),
    sa.Column('parent_hash', sa.String(length=66), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'number', name=op.f('pk_chain_blocks'))
    )
    op.create_table('chain_checkpoint',
    sa.Column('chain_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('logs_total', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('logs_per_second', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', name=op.f('pk_chain_checkpoint'))
    )
    op.create_table('chain_contracts',
    sa.Column('chain_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('address', sa.String(length=42), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('artifact', sa.String(length=100), nullable=False),
    sa.Column('abi_hash', sa.String(length=64), nullable=False),
    sa.Column('deploy_block', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'address', name=op.f('pk_chain_contracts'))
    )
    op.create_table('chain_participants',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('account', sa.String(length=42), nullable=False),
    sa.Column('roles', sa.Integer(), nullable=False),
    sa.Column('kyc_expiry', sa.BigInteger(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('suspended_by', sa.String(length=42), nullable=True),
    sa.PrimaryKeyConstraint('contract', 'account', name=op.f('pk_chain_participants'))
    )
    op.create_table('chain_raw_logs',
    sa.Column('chain_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('tx_index', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=42), nullable=False),
    sa.Column('topic0', sa.String(length=66), nullable=True),
    sa.Column('topic1', sa.String(length=66), nullable=True),
    sa.Column('topic2', sa.String(length=66), nullable=True),
    sa.Column('topic3', sa.String(length=66), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=True),
    sa.Column('args', JsonDocument, nullable=True),
    sa.PrimaryKeyConstraint('chain_id', 'block_number', 'log_index', name=op.f('pk_chain_raw_logs'))
    )
    op.create_index('ix_chain_raw_logs_address_topic0', 'chain_raw_logs', ['address', 'topic0'], unique=False)
    op.create_index('ix_chain_raw_logs_tx_hash', 'chain_raw_logs', ['tx_hash'], unique=False)
    op.create_table('chain_token_balances',
    sa.Column('updated_block', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.String(length=42), nullable=False),
    sa.Column('holder', sa.String(length=42), nullable=False),
    sa.Column('balance', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('token', 'holder', name=op.f('pk_chain_token_balances'))
    )
    op.create_table('chain_token_transfers',
    sa.Column('block_number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('block_timestamp', sa.BigInteger(), nullable=False),
    sa.Column('sender', sa.String(length=42), nullable=False),
    sa.Column('recipient', sa.String(length=42), nullable=False),
    sa.Column('value', Uint256(), nullable=False),
    sa.PrimaryKeyConstraint('block_number', 'log_index', name=op.f('pk_chain_token_transfers'))
    )
    op.create_index(op.f('ix_chain_token_transfers_contract'), 'chain_token_transfers', ['contract'], unique=False)
    op.create_index(op.f('ix_chain_token_transfers_recipient'), 'chain_token_transfers', ['recipient'], unique=False)
    op.create_index(op.f('ix_chain_token_transfers_sender'), 'chain_token_transfers', ['sender'], unique=False)
    op.create_table('chain_undo_journal',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('row_key', sa.Text(), nullable=False),
    sa.Column('previous', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_undo_journal'))
    )
    op.create_index(op.f('ix_chain_undo_journal_block_number'), 'chain_undo_journal', ['block_number'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_chain_undo_journal_block_number'), table_name='chain_undo_journal')
    op.drop_table('chain_undo_journal')
    op.drop_index(op.f('ix_chain_token_transfers_sender'), table_name='chain_token_transfers')
    op.drop_index(op.f('ix_chain_token_transfers_recipient'), table_name='chain_token_transfers')
    op.drop_index(op.f('ix_chain_token_transfers_contract'), table_name='chain_token_transfers')
    op.drop_table('chain_token_transfers')
    op.drop_table('chain_token_balances')
    op.drop_index('ix_chain_raw_logs_tx_hash', table_name='chain_raw_logs')
    op.drop_index('ix_chain_raw_logs_address_topic0', table_name='chain_raw_logs')
    op.drop_table('chain_raw_logs')
    op.drop_table('chain_participants')
    op.drop_table('chain_contracts')
    op.drop_table('chain_checkpoint')
    op.drop_table('chain_blocks')
