"""Pure building blocks every layer may use: the error envelope as values, ids, time, money,
private files, process identity, logging. Nothing here knows about HTTP, the database or auth."""
