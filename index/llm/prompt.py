"""The grounded prompt: numbered passages with their source, and the rules of the answer.

The numbers in the prompt are the model's citation vocabulary: ``[n]`` refers to the n-th
passage shown here. The verifier (index/llm/verify.py) maps them back to these passages and
renumbers them for the reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.language import is_spanish
from index.passages import Passage

if TYPE_CHECKING:
    from llama_index.core.llms import ChatMessage

# Five passages of ~200 word pieces plus the rules: about 1,500 tokens, the most a 2-core
# machine reads in under a minute (README, "Generative answers").
PROMPT_PASSAGES = 5

RULES = """You answer questions about a collection of documents. Use only the numbered passages \
below; never use outside knowledge.
Rules:
- After every sentence, cite the passage(s) it comes from as [n], e.g. "... 12 years [2]."
- Every figure, date and name you write must appear in the passage you cite.
- Claims from advocacy, news or editorial sources are their publisher's view: attribute them \
("According to <publisher>, ...").
- If the passages do not answer the question, say plainly: "The passages do not answer this \
question." and nothing else.
- Answer in {language}, in at most five sentences. No headings, no lists, no preamble."""
# No example answer here: a 1.5B model copied one ("a penalty of up to 5 years [2]") word for
# word instead of answering (the verifier rejected it).


# Said again next to the question: small models follow the nearest instruction.
REMINDER = "End every sentence with the number of the passage it comes from, like [1]."


def passage_block(n: int, passage: Passage) -> str:
    """One numbered passage with what a reader needs to weigh it: title, publisher, kind, date."""
    source = " | ".join(x for x in (passage.title, passage.publisher, passage.kind_label,
                                    passage.date) if x)
    where = f" (section: {passage.section})" if passage.section else ""
    return f"[{n}] {source}{where}\n{passage.text.strip()}"


def build_messages(question: str, passages: list[Passage]) -> list[ChatMessage]:
    """System rules, then the passages and the question. ``question`` is the standalone
    question the retrieval searched (a follow-up already carries its context)."""
    from llama_index.core.llms import ChatMessage, MessageRole

    language = "Spanish" if is_spanish(question) else "English"
    blocks = "\n\n".join(passage_block(n, p) for n, p in enumerate(passages, 1))
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=RULES.format(language=language)),
        ChatMessage(role=MessageRole.USER,
                    content=f"Passages:\n\n{blocks}\n\nQuestion: {question}\n{REMINDER}\n"
                            "Answer:"),
    ]
