"""Export: the Word (.docx) writer in the GB/T 9704 layout, title breaking, preview rendering."""
