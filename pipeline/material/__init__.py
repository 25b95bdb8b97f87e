"""The material and its inputs: the Document model, meeting specs, unit profiles, parsing and loading."""
