"""Payouts and the keeper: what a matured root owes each publisher, and the transactions nobody has to send but someone must."""
