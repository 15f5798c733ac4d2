"""Storage: the engine and units of work, migrations, and the account-scoped repository base."""
