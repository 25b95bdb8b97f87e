"""Foundations every stage uses: the error hierarchy, packaged data, input-file guards, atomic writes, key redaction."""
