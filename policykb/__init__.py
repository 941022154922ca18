"""policykb composition root: settings from flags and environment, and the command line.

The stages (ingest, kb, assistant, eval) never import this package.
"""

__version__ = "0.1.0"
