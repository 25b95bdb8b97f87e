"""An in-process chat model for tests and demos: answers are queued in order, every request is recorded.

It is a real LangChain chat model (invoke, ainvoke, stream, astream), so everything above the HTTP layer runs
unchanged; the HTTP path itself is tested against the local stub server instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr


class QueuedChatModel(BaseChatModel):
    """Answers come from `queue(...)` in order: a string is the answer text, an exception is raised instead.
    With the queue empty, `default` is answered (None: an IndexError, so a test sees an unexpected call)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    default: str | None = None
    chunk_chars: int = Field(default=8, ge=1)  # streamed answers arrive in pieces of this size
    model_name: str = "queued-fake"
    _answers: deque = PrivateAttr(default_factory=deque)
    _requests: list = PrivateAttr(default_factory=list)

    def queue(self, *answers: str | BaseException) -> "QueuedChatModel":
        self._answers.extend(answers)
        return self

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Each call's messages (role, text) and keyword arguments (max_tokens …), in call order."""
        return self._requests

    @property
    def pending(self) -> int:
        return len(self._answers)

    @property
    def _llm_type(self) -> str:
        return "queued-fake"

    def _next(self, messages: list[BaseMessage], kwargs: dict) -> str:
        self._requests.append({"messages": [(m.type, str(m.content)) for m in messages],
                               "kwargs": {k: v for k, v in kwargs.items() if k != "run_manager"}})
        if self._answers:
            answer = self._answers.popleft()
        elif self.default is not None:
            answer = self.default
        else:
            raise IndexError("no queued answer left")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = self._next(messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages, kwargs)
        for start in range(0, len(text), self.chunk_chars):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[start:start + self.chunk_chars]))
        # The last chunk says the answer is finished, as a server's does.
        yield ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata={"finish_reason": "stop"}))
