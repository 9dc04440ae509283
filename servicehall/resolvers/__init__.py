"""Reads and writes of each domain: validation, rules, SQL and transactions."""
