"""Epochs and pricing: price the accepted events of closed epochs, store both trees, and undo what the chain will never pay."""
