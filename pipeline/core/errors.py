"""The error hierarchy. Only the CLI turns these into a message and an exit code."""


class PipelineError(Exception):
    """Base: a failure the user can act on. `code` is stable for machines; str(e) is for people."""

    code = "pipeline-error"
    exit_code = 2

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class InputError(PipelineError):
    """A file, profile, spec or option the user gave is missing or malformed."""

    code = "bad-input"


class StoreError(PipelineError):
    """The vector store cannot be opened, written or does not match the embedder."""

    code = "store-error"


class ModelError(PipelineError):
    """The chat or embedding endpoint failed in a way retries did not fix."""

    code = "model-error"


class OutputError(PipelineError):
    """An output file cannot be written."""

    code = "output-error"
