"""Use cases that span several units of work.

Issuing a credential (one, or a batch), signing a transcript, assembling xAPI statements into
completions, delivering webhooks: a pipeline opens its own read and write units through the
runtime and keeps slow work (signing, sending) outside them. A face (REST, the pages, GraphQL,
the CLI) calls one pipeline or one unit of work for a use case, never both.
"""
