"""Datasets, codebooks, survey validation and synthetic surveys."""
from __future__ import annotations

from .registry import (
           dataset_info,
           list_datasets,
           load_codebook,
           load_dataset,
           resolve_data,
)
from .checks import coverage, find_missing_codes
from .labels import file_codebook
from .survey import Survey, prepare_survey, read_table

__all__ = ["Survey", "coverage", "dataset_info", "file_codebook", "find_missing_codes",
           "list_datasets",
           "load_codebook", "load_dataset", "prepare_survey", "read_table", "resolve_data"]
