"""Review: the structure check and the content rules a 督导组 reviewer applies, copy rate, HTML report."""
