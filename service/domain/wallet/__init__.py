"""Educators collect their badge into a wallet: offers, the VC-API exchange, OID4VCI 1.0.

An offer (`offers`) is one row of ``wallet_exchanges``; the VC-API exchange (`exchanges`) and
the OID4VCI pre-authorized code flow (`oid4vci`) each move it forward by conditional updates,
so any process answers any step and an offer is collected once. What a wallet receives is the
stored signed credential, byte for byte.
"""
