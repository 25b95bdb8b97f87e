"""The names a report shows (parts, finding codes, metrics, numerals), for the CLI's and the workbench's pages."""

from pipeline.review.structure import code_name, metric_names, role_name
from pipeline.text.numbering import int_to_cn, level1_marker

__all__ = ["code_name", "metric_names", "role_name", "int_to_cn", "level1_marker"]
