"""Seeded synthetic twins of every source: same schema, known ground truth.

Each twin module exposes ``generate(seed: int) -> SyntheticSource`` and is listed
in ``TWINS``. Twins serve parameter-recovery tests of the estimators and the
offline demo mode; anything computed from them is flagged synthetic.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import import_module
from typing import Any

import numpy as np
import pandas as pd

TWINS: dict[str, str] = {
    "indeed_ai_tracker": "talentmarket.data.synthetic.postings",
    "indeed_hiring_lab_job_postings": "talentmarket.data.synthetic.postings",
    "owid_ai_index_ai_job_postings_share": "talentmarket.data.synthetic.postings",
    "aijobs_net_salaries": "talentmarket.data.synthetic.salaries",
    "isecjobs_infosec_salaries": "talentmarket.data.synthetic.salaries",
    "devops_jobs_net_salaries": "talentmarket.data.synthetic.salaries",
    "indeed_wage_tracker": "talentmarket.data.synthetic.wages",
    "bls_oews_may2025_selected_occupations": "talentmarket.data.synthetic.oews",
    "ncses_sei_ai_tables": "talentmarket.data.synthetic.ncses",
    "census_lehd_j2j_by_sector": "talentmarket.data.synthetic.j2j",
}
"""Source name → module whose ``generate(source, seed)`` builds that source's twin."""


def source_rng(source: str, seed: int) -> np.random.Generator:
    """A generator seeded by ``(seed, source)``: each source's twin draws its own stream from one seed."""
    return np.random.default_rng([seed, zlib.crc32(source.encode())])


def ar1_noise(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    """A stationary AR(1) path of length ``n``: ``e_t = rho·e_(t−1) + N(0, sd²)``, started from its stationary law."""
    shocks = rng.normal(0, sd, n)
    out = np.empty(n)
    out[0] = shocks[0] / np.sqrt(1 - rho**2)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + shocks[i]
    return out


@dataclass(frozen=True)
class SyntheticSource:
    """The frames of one synthetic source (keyed by file name) and the truth they were drawn from."""

    frames: Mapping[str, pd.DataFrame]
    truth: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=32)
def synthetic_source(source: str, seed: int) -> SyntheticSource:
    """The twin of ``source`` drawn with ``seed`` (cached: the same seed gives the same frames)."""
    try:
        module = import_module(TWINS[source])
    except KeyError:
        raise KeyError(f"no synthetic twin for source {source!r}; twins exist for {sorted(TWINS)}") from None
    return module.generate(source, seed)


def synthetic_frame(source: str, file_name: str, seed: int) -> pd.DataFrame:
    """A copy of one file of a twin (copies keep the cached original untouched)."""
    frames = synthetic_source(source, seed).frames
    if file_name not in frames:
        raise KeyError(f"synthetic {source} has no file {file_name!r}; it has {sorted(frames)}")
    return frames[file_name].copy()


def synthetic_truth(source: str, seed: int) -> dict[str, Any]:
    """The ground-truth parameters behind a twin, for recovery tests and the demo banner."""
    return synthetic_source(source, seed).truth
