"""xAPI: learning platforms' statements turned into completions.

Statements as platforms send them, a platform's mappings from statements to badges, and the
statements held until one learner's completion can be assembled. Modules only, no
re-exports: import each module by its own path.
"""
