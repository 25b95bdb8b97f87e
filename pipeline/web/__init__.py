"""The local web workbench: form → draft → review → Word, on the same library as the CLI."""
