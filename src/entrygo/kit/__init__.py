"""Shared building blocks: the error envelope, ids, time, money, storage, HTTP plumbing."""
