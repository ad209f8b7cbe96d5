// Package text turns strings into subword token ids for the encoders, with
// two families of tokenizers: the project's own BPE (Tokenizer, TrainBPE),
// and the tokenizers of pretrained HuggingFace checkpoints (Pretrained,
// LoadPretrained).
//
// # Project BPE
//
// The pipeline is Normalize → PreTokenize → BPE:
//
//   - Normalize applies Unicode NFKC and lower-cases.
//   - PreTokenize splits on Unicode white space and on U+1361 ETHIOPIC
//     WORDSPACE (Amharic writes "ሰው፡ልጅ" where English writes "human being"),
//     and emits every punctuation or symbol rune (Unicode categories P and S,
//     including the Ethiopic punctuation U+1362..U+1368) as a token of its own.
//   - TrainBPE learns byte-pair-encoding merges over the characters of the
//     pre-tokens. A word is spelled as its first character followed by
//     continuation symbols "##c" (the WordPiece convention), so "##" marks a
//     piece that continues a word and no end-of-word marker is needed: the
//     word "cat" starts as [c ##a ##t] and may become [c ##at] or [cat].
//
// Ids 0 and 1 are reserved: PadID for padding, UnkID for characters never
// seen (or seen fewer than minFreq times) during training. The vocabulary is
// the two specials, then the alphabet in byte order of the symbol strings,
// then one token per merge in the order the merges were learnt.
//
// Encoding applies the learnt merges by rank (lowest first) within each word,
// which reproduces the segmentation of training (Sennrich et al., 2016,
// "Neural Machine Translation of Rare Words with Subword Units").
//
// Training keeps pair counts and, per pair, the words that contain it; a merge
// only re-counts the words it touches, and the best pair comes from a heap
// with lazy deletion, so a merge costs time proportional to the words it
// changes rather than to the corpus. Ties between equally frequent pairs are
// broken by symbol ids, so training is deterministic.
//
// A Tokenizer is saved as JSON (vocabulary and merges) and is safe for
// concurrent use once built.
//
// # Pretrained checkpoints
//
// LoadPretrained reads the tokenizer of a BERT (WordPiece) or XLM-R
// (SentencePiece Unigram) checkpoint directory and encodes as HuggingFace
// does, ids and token strings alike, in pure Go and offline:
//
//   - tokenizer.json (HuggingFace tokenizers): the added tokens are cut out
//     first (leftmost-longest, with lstrip, rstrip and single_word), then
//     normaliser → pre-tokeniser → model → post-processor. Supported:
//     normalisers BertNormalizer, Precompiled, Replace, Sequence, NFC, NFD,
//     NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend; pre-tokenisers
//     BertPreTokenizer, Metaspace, WhitespaceSplit, Sequence; models
//     WordPiece and Unigram; post-processors TemplateProcessing,
//     BertProcessing, RobertaProcessing, ByteLevel, Sequence; the file's
//     truncation and padding. Anything else is ErrUnsupported, never a
//     silent approximation.
//   - vocab.txt alone: what transformers' BertTokenizerFast builds from it
//     (BertNormalizer with do_lower_case, strip_accents and
//     tokenize_chinese_chars from tokenizer_config.json, BertPreTokenizer,
//     WordPiece with "##" and max_input_chars_per_word 100,
//     [CLS] $A [SEP]).
//   - sentencepiece.bpe.model alone: transformers' XLMRobertaTokenizer over
//     SentencePiece, i.e. SentencePiece's own normalisation (charsmap rules,
//     dummy "▁" prefix, white space collapsed and trimmed) and Viterbi, ids
//     in the fairseq dictionary (<s>=0 <pad>=1 </s>=2 <unk>=3, piece i at
//     i+1, <mask> last). The model file is protobuf, decoded by hand.
//
// BertNormalizer follows tokenizers' Rust order and definitions: clean text
// (drop NUL, U+FFFD and general categories Cc, Cf, Co except tab, newline
// and carriage return; white space to ' '), spaces around CJK ideographs
// (including extension B and the compatibility blocks), strip accents (NFD,
// drop Mn), then lowercase character by character (İ → "i\u0307", Σ → σ
// with no final-sigma rule).
//
// The Precompiled normaliser interprets SentencePiece's precompiled_charsmap
// (a Darts double-array trie over UTF-8 bytes and NUL-terminated
// replacements) with SentencePiece's rule: the longest matching prefix wins;
// unmatched characters are copied; malformed bytes become U+FFFD (as the
// spm_precompiled crate's normalize_string also does). The Precompiled
// normaliser of some HuggingFace tokenizers releases applies the rules
// grapheme cluster by grapheme cluster, taking the first match of each
// cluster, which differs on rare inputs: "E\u0323\u0300" (NFD Yoruba) loses
// its grave accent, a letter with marks spanning 6 bytes or more is not
// composed, CR LF gives one space. This package follows SentencePiece.
//
// Unigram finds the best segmentation over byte offsets with pieces tried
// shortest first and a later candidate kept only when strictly better;
// unknown characters score min(score) - 10 and consecutive ones fuse into
// one token whose string is the text itself and whose id is the unknown id.
// Path scores are float64 for tokenizer.json (tokenizers) and float32 for
// sentencepiece.bpe.model (SentencePiece's EncodeOptimized, which adds a
// piece score in double precision and stores the path in single); the two
// break exact ties differently ("zzz" is z+zz in tokenizers, zz+z in
// SentencePiece).
//
// Input that is not valid UTF-8 has each bad byte read as U+FFFD. The
// references and how the fixtures and goldens under testdata/hf were made
// are in testdata/hf/gen/README.md. A Pretrained is immutable after loading
// and safe for concurrent use.
package text
