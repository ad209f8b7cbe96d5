package text

import (
	"math"
	"unicode/utf8"
)

// unkPenalty is subtracted from the lowest piece score to score an unknown
// character (sentencepiece unigram_model.h kUnkPenalty; HuggingFace
// tokenizers models/unigram K_UNK_PENALTY).
const unkPenalty = 10.0

// unigram is a SentencePiece Unigram language model: a text is segmented
// into the pieces whose scores (log probabilities) have the largest sum,
// found by Viterbi over the lattice of vocabulary matches.
type unigram struct {
	pieces  []string
	scores  []float64
	trie    *byteTrie // matchable pieces -> id
	unkID   int32
	unkTok  string
	unk     float64 // score of an unknown character
	fuseUnk bool    // consecutive unknown characters make one token
	// float32 sums scores in single precision, as SentencePiece does; the
	// HuggingFace tokenizers library sums in double precision.
	float32 bool
}

// newUnigram builds the model. matchable[i] false keeps piece i out of the
// lattice (SentencePiece's control, unknown, unused and byte pieces);
// scores of user-defined pieces must already be set by the caller.
func newUnigram(pieces []string, scores []float64, matchable []bool, unkID int32, f32 bool) *unigram {
	var keys []string
	var vals []int32
	minScore := math.Inf(1)
	for i, p := range pieces {
		if matchable != nil && !matchable[i] {
			continue
		}
		keys = append(keys, p)
		vals = append(vals, int32(i))
	}
	for i, s := range scores {
		if matchable != nil && !matchable[i] {
			continue
		}
		minScore = math.Min(minScore, s)
	}
	if math.IsInf(minScore, 1) {
		minScore = 0
	}
	u := &unigram{
		pieces: pieces, scores: scores, trie: newByteTrie(keys, vals),
		unkID: unkID, fuseUnk: true, float32: f32,
		unk: minScore - unkPenalty,
	}
	if f32 {
		u.unk = float64(float32(minScore) - float32(unkPenalty))
	}
	if unkID >= 0 && int(unkID) < len(pieces) {
		u.unkTok = pieces[unkID]
	}
	return u
}

// bestPath is one cell of the Viterbi table: the best segmentation of the
// text up to a byte offset ends with piece id starting at start.
type bestPath struct {
	id    int32
	start int32 // -1: not reached
	score float64
}

// tokenize segments s (already normalised) and appends its pieces to dst.
// Unknown stretches carry the unknown id and their own text as token.
// The lattice walk is SentencePiece's Model::EncodeOptimized (and the
// HuggingFace Unigram::encode_optimized): cells are filled left to right,
// matches in increasing length, and a later candidate replaces the cell
// only when strictly better, so ties go to the longer piece.
func (u *unigram) tokenize(s string, dst []piece) []piece {
	if s == "" {
		return dst
	}
	n := len(s)
	best := make([]bestPath, n+1)
	for i := range best {
		best[i].start = -1
	}
	best[0].start = 0
	for pos := 0; pos < n; {
		_, mblen := utf8.DecodeRuneInString(s[pos:])
		here := best[pos].score
		single := false
		u.trie.prefixes(s[pos:], func(l int, id int32) {
			cand := here + u.scores[id]
			if u.float32 {
				cand = float64(float32(cand))
			}
			t := &best[pos+l]
			if t.start < 0 || cand > t.score {
				*t = bestPath{id: id, start: int32(pos), score: cand}
			}
			if l == mblen {
				single = true
			}
		})
		if !single {
			cand := here + u.unk
			if u.float32 {
				cand = float64(float32(cand))
			}
			t := &best[pos+mblen]
			if t.start < 0 || cand > t.score {
				*t = bestPath{id: u.unkID, start: int32(pos), score: cand}
			}
		}
		pos += mblen
	}
	// Backtrack, then reverse the appended stretch.
	from := len(dst)
	for end := n; end > 0; {
		c := best[end]
		start := int(c.start)
		if u.fuseUnk && c.id == u.unkID && len(dst) > from && dst[len(dst)-1].id == u.unkID && dst[len(dst)-1].unk {
			last := &dst[len(dst)-1]
			last.tok = s[start:end] + last.tok
		} else if c.id == u.unkID {
			dst = append(dst, piece{id: c.id, tok: s[start:end], unk: true})
		} else {
			dst = append(dst, piece{id: c.id, tok: u.pieces[c.id]})
		}
		end = start
	}
	for i, j := from, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	return dst
}

// piece is one token of a segmentation.
type piece struct {
	id  int32
	tok string
	unk bool // an unknown stretch: tok is its text
}
