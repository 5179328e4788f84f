"""Shared input/output layer: value parsing, table reading, atomic writes.

Every tool reads founder files through here so that money, percentages and dates are parsed
one way, and every error names the file, row and field.
"""
