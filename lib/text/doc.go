// Package text turns strings into subword token ids for the encoders.
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
package text
