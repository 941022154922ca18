"""PDF makers for ingest tests: each failure class of real official PDFs, written by real PDF writers.

``textlayers`` makes text layers broken the way real producers break them (visual order, presentation
forms, reversed word order, shifted or wrong font maps, fake-bold doubling); ``scans`` makes image-only
pages (the page rendered, rasterised and put back as an image) and encrypted copies.
"""
