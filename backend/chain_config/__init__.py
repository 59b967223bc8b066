"""Besu QBFT network profiles: node keys, genesis, permissioning and per-node configuration."""

from backend.chain_config.extra_data import (
    ExtraDataError,
    QbftExtraData,
    decode_qbft_extra_data,
    encode_qbft_extra_data,
)
from backend.chain_config.genesis import build_genesis
from backend.chain_config.keys import Enode, NodeKey, NodeKeyError, generate_node_key, load_node_key, parse_enode
from backend.chain_config.network import GeneratedNetwork, GeneratedNode, NetworkOptions, generate_network
from backend.chain_config.permissions import Allowlists, parse_permissions_config, render_permissions_config

__all__ = [
    "Allowlists",
    "Enode",
    "ExtraDataError",
    "GeneratedNetwork",
    "GeneratedNode",
    "NetworkOptions",
    "NodeKey",
    "NodeKeyError",
    "QbftExtraData",
    "build_genesis",
    "decode_qbft_extra_data",
    "encode_qbft_extra_data",
    "generate_network",
    "generate_node_key",
    "load_node_key",
    "parse_enode",
    "parse_permissions_config",
    "render_permissions_config",
]
