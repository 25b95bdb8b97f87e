"""Model endpoints: the OpenAI-compatible chat model (with network retries) and the embedders."""
