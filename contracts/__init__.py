"""Python side of the Solidity sources: the offline compiler driver and the artifact loader.

The indexer and the backend import this package; nothing here talks to a chain.
"""

from contracts.artifacts import Artifact, load_artifact, load_artifacts
from contracts.compiler import CompilationError, compile_contracts

__all__ = ["Artifact", "CompilationError", "compile_contracts", "load_artifact", "load_artifacts"]
