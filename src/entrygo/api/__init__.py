"""The HTTP edge: request parsing and validation, wire rendering, idempotent writes, pagination,
rate limits and the HTTP protocol itself."""
