"""The runner: plan → retrieve → draft → assemble → check → export for one or many profiles, with caching."""
