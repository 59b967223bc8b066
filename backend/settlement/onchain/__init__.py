"""Settlement and the chain: where it writes and with which keys (``writes``), what the mirror says is there (``reads``)."""
