"""Drafting: outline, per-item drafting (model or offline composer), cleaning, guards, assembly."""
