"""The analysis report: HTML (one self-contained file), Markdown, JSON and CSV."""

from cjm_sync.report.render import FORMATS, render_report

__all__ = ["FORMATS", "render_report"]
