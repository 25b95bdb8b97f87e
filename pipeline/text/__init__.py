"""Text primitives of the genre: Chinese numerals and numbering markers, the shared-run (查重) engine."""
