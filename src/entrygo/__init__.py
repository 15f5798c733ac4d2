"""EntryGo: export-side protocol service for cross-border e-commerce into the United States."""

__version__ = "0.1.0"
