"""Neon, Hyperdrive, Workers and D1: what the platform under the database changes about migrations and values."""
