"""The local backend on the real llama.cpp runtime (ik-llama-cpp-python), with a tiny GGUF model
this test writes itself (gguf package): one layer, random weights, a byte-level vocabulary plus
Qwen's chat tokens. Its output is noise; what is tested is the prompt, the token loop, the
streaming and the fall-back. The real 1.5B model is exercised by
tests/benchmarks/llm_generation.py, not here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

EXTRA = "the optional extra is not installed: pip install -e '.[local-llm]'"
pytest.importorskip("ik_llama_cpp", reason=EXTRA)
gguf = pytest.importorskip("gguf", reason=EXTRA)
np = pytest.importorskip("numpy")

from llama_index.core.llms import ChatMessage, MessageRole  # noqa: E402

from index.llm.backends import Backend, LLMUnavailable  # noqa: E402
from index.llm.local import LocalGGUF, chatml  # noqa: E402
from index.llm.streaming import generate  # noqa: E402

CHAT_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
PENALTY_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def byte_symbols() -> list[str]:
    """GPT-2's byte-to-character table: byte-level BPE vocabularies spell bytes this way."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def write_tiny_model(path: Path, width: int = 32, heads: int = 4, ff: int = 64) -> Path:
    rng = np.random.default_rng(0)
    tokens = [*byte_symbols(), "Ġt", "he", *CHAT_TOKENS]
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(8192)  # room for a real prompt (5 passages, spelled in bytes)
    writer.add_embedding_length(width)
    writer.add_block_count(1)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_rope_dimension_count(width // heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types([1] * (len(tokens) - 3) + [3] * 3)  # the chat tokens are control
    writer.add_token_merges(["Ġ t", "h e"])  # llama.cpp refuses a BPE vocabulary without merges
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)

    def weights(*shape: int):
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    writer.add_tensor("token_embd.weight", weights(len(tokens), width))
    writer.add_tensor("output_norm.weight", np.ones(width, np.float32))
    writer.add_tensor("output.weight", weights(len(tokens), width))
    for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
        writer.add_tensor(f"blk.0.{name}.weight", weights(width, width))
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(width, np.float32))
    writer.add_tensor("blk.0.ffn_norm.weight", np.ones(width, np.float32))
    writer.add_tensor("blk.0.ffn_gate.weight", weights(ff, width))
    writer.add_tensor("blk.0.ffn_up.weight", weights(ff, width))
    writer.add_tensor("blk.0.ffn_down.weight", weights(width, ff))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


@pytest.fixture(scope="module")
def llm(tiny_model) -> LocalGGUF:
    return LocalGGUF(model_path=str(tiny_model), n_threads=1, n_ctx=512, max_tokens=24)


MESSAGES = [ChatMessage(role=MessageRole.SYSTEM, content="Use only the passages."),
            ChatMessage(role=MessageRole.USER, content="Question: how long?")]


def test_the_prompt_is_qwen_chatml_with_its_special_tokens(llm):
    prompt = chatml(MESSAGES)
    assert prompt == ("<|im_start|>system\nUse only the passages.<|im_end|>\n"
                      "<|im_start|>user\nQuestion: how long?<|im_end|>\n<|im_start|>assistant\n")
    tokens = llm.tokenize(prompt)
    start, end = 256 + 2 + 1, 256 + 2 + 2  # the vocabulary's <|im_start|> and <|im_end|>
    assert tokens[0] == start and tokens.count(start) == 3 and tokens.count(end) == 2
    # Everything else is spelled in bytes: the text round-trips.
    assert len(tokens) < len(prompt.encode())


def test_tokens_stream_one_by_one_and_match_a_full_completion(llm):
    deltas = [r.delta for r in llm.stream_chat(MESSAGES)]
    assert 1 < len(deltas) <= llm.max_tokens
    assert "".join(deltas) == llm.chat(MESSAGES).message.content  # greedy: deterministic
    assert llm.last_prompt_tokens == len(llm.tokenize(chatml(MESSAGES)))


def test_generate_passes_pieces_on_and_times_them(llm):
    seen: list[str] = []
    backend = Backend("local", "the local model tiny.gguf", llm, timeout=30.0)
    generation = generate(backend, MESSAGES, seen.append)
    assert seen and "".join(seen) == generation.text
    assert generation.pieces == len(seen) and 0 < generation.first_token_s <= generation.seconds


def test_a_prompt_longer_than_the_context_is_a_one_line_failure(llm):
    backend = Backend("local", "the local model tiny.gguf", llm, timeout=30.0)
    long = [ChatMessage(role=MessageRole.USER, content="word " * 600)]
    with pytest.raises(LLMUnavailable, match=r"the local model tiny\.gguf failed \(ValueError: "
                                             r"the prompt \(\d+ tokens\) fills the model's "
                                             r"512-token context\)"):
        generate(backend, long)


def test_casefile_with_the_local_backend_checks_and_falls_back(ingested_settings, tiny_model):
    from index.service import Casefile

    settings = replace(ingested_settings, llm="local", llm_model=str(tiny_model), llm_threads=1,
                       llm_max_tokens=16)
    answer = Casefile(settings).ask(PENALTY_Q)
    # Random weights write noise: nothing it says is backed by a passage.
    assert answer.backend == "extractive" and "12 years" in answer.answer
    assert answer.notices[0].endswith("Showing the extractive answer instead.")
    assert answer.timings_ms["generate"] > 0
