"""Answer stores: where an Extension claims a message before answering it, and records the answer.

:class:`MemoryAnswerStore` (the default) serves one process; :class:`RedisAnswerStore`
serves every instance of a deployment.  Write your own against :class:`AnswerStore` (and
:class:`AsyncAnswerStore` for native asyncio).

Example:
    >>> from dataworks_ext.stores import MemoryAnswerStore
    >>> MemoryAnswerStore(max_size=100).claim("ext", "m-1", lease=60).state.name
    'ACQUIRED'
"""

from __future__ import annotations

from ._base import AnswerStore, AsyncAnswerStore, Claim, ClaimState
from ._memory import MemoryAnswerStore
from ._redis import RedisAnswerStore

__all__ = [
    "AnswerStore",
    "AsyncAnswerStore",
    "Claim",
    "ClaimState",
    "MemoryAnswerStore",
    "RedisAnswerStore",
]
