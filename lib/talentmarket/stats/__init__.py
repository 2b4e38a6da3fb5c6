"""What every analysis shares: regression and cluster-robust inference, trends, multiplicity and the verdict rule.

Imports only the ground floor (paths, errors) and ``talentmarket.data``; never analyses, results or report.
"""
