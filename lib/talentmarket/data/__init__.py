"""What comes in: the source registry and its vintages, schemas, the store (resolve, verify, cache), one reader
per source, the AI-role taxonomy and the seeded synthetic twins.

Imports only the ground floor (paths, errors).
"""
