"""Verifying anyone's Open Badges for employers: ours and other issuers' alike.

The verification service, the issuer registries an operator loads to say who vouches for an
issuer, and what a fetch may answer besides a document. Modules only, no re-exports: import
each module by its own path.
"""
