"""What every analysis hands over: the results contract (ClaimResult, results.json), the claims registry,
the figure style and display helpers.

Imports data and stats only.
"""
