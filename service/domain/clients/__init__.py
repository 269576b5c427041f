"""API clients: the platforms and tools that call Insigne, and what each may see and do.

Clients and their tokens, their administration, the one visibility policy every face asks,
the audit trail of what they did, and their webhook endpoints with the outbox that feeds
them. Modules only, no re-exports: import each module by its own path.
"""
