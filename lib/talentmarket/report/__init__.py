"""Reporting out: the scorecard, the report site and the notebook runner.

Imports every wing below it; nothing imports report but the command line.
"""
