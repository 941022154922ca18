"""Knowledge base: stores ingested records in Chroma and searches them.

Chroma is the single source of truth; anything else kept on disk (the embedding cache) is derived
from it or from the source files and can be deleted at any time.
"""
