"""duizhao: drafts, checks and typesets 对照检查材料."""

__version__ = "0.1.0"
