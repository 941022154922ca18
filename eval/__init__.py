"""Evaluation of kb and assistant on BEIR-format test sets. See the open issues for its scope."""
