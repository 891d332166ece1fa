"""The perch.tokenizer metadata (src/perch/text/tokenizer.h) of a trained sentencepiece model."""
import json

import sentencepiece as spm


def tokenizer_json(model_file: str) -> str:
    sp = spm.SentencePieceProcessor(model_file=model_file)
    pieces, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        pieces.append(sp.id_to_piece(i))
        scores.append(float(sp.get_score(i)))
        # sentencepiece's ModelProto.SentencePiece.Type numbers.
        if sp.is_unknown(i):
            types.append(2)
        elif sp.is_control(i):
            types.append(3)
        elif sp.is_unused(i):
            types.append(5)
        elif sp.is_byte(i):
            types.append(6)
        else:
            types.append(1)
    return json.dumps({
        "type": "bpe", "pieces": pieces, "scores": scores, "types": types,
        "unk_id": sp.unk_id(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(),
        "add_dummy_prefix": True,
    }, ensure_ascii=False, separators=(",", ":"))
