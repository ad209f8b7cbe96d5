package optical

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/otclir/otclir/lib/distill"
)

// Specs are pure values describing a trained artifact: everything its
// trainer receives, and nothing else. An artifact's key is the hash of its
// spec (specKey), so the key changes exactly when the artifact would: a new
// field of a spec is in every key without anyone adding it to a list.
// Specs are computed from the Config (and, for bitext sizes, the loaded
// corpus) without training anything, so an evaluation's record, and
// whether the tracker already holds it, are known before any model is
// built.

// specKey hashes a spec struct: each exported field in declaration order,
// JSON-encoded (maps with sorted keys), followed by a zero byte; fields
// tagged `key:"omitempty"` are left out when zero. It returns 12 hex
// digits of the SHA-256. (This is how the keys of the models behind the
// committed results.db were computed, so they still match.)
func specKey(spec any) string {
	v := reflect.ValueOf(spec)
	t := v.Type()
	h := sha256.New()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("key") == "-" {
			continue
		}
		if f.Tag.Get("key") == "omitempty" && v.Field(i).IsZero() {
			continue
		}
		b, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			// Validate refuses NaN and ±Inf, the only values JSON cannot hold.
			panic(fmt.Sprintf("optical: key of %s: field %s: %v", t.Name(), f.Name, err))
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// TokenizerSpec determines the shared subword vocabulary: the text it is
// trained on (the teacher's WordNet pairs and every language's training
// bitext, which the data, split and seeds select) and its size.
type TokenizerSpec struct {
	Kind         string   // "tokenizer-v1": the trainer's version (BPE, minimum frequency 2)
	Data         string   // data packages
	Languages    []string // languages whose bitext the corpus holds, sorted
	VocabSize    int
	Seed         int64 // selects the teacher pairs
	SplitSeed    int64
	TestFraction float64
	CLDRTest     float64
	TeacherPairs int
	UserBitext   string            `key:"omitempty"` // content hash of a user's bitext, which joins the corpus
	WordSeps     map[string]string `key:"omitempty"` // word separators set over the detected ones (setting word_separator)
	UDHRFold     int               `key:"omitempty"` // setting udhr_fold
	// Pipeline is PipelineV2's corpus: the balanced sample's exponent, size
	// and seed and the CLDR split seed (nil under v1).
	Pipeline map[string]any `key:"omitempty"`
}

// TeacherSpec determines the English teacher.
type TeacherSpec struct {
	Kind      string         // "teacher-v1"
	Tokenizer string         // the tokenizer's key
	Encoder   map[string]any // lib/encoder hyperparameters
	Training  map[string]any // lib/distill teacher hyperparameters (data seed included), without the logging period
	Seed      int64          // initialisation seed (the pairs are the tokenizer spec's)
	// A checkpoint teacher (teacher.checkpoint, Kind "teacher-checkpoint-v1")
	// is its weights' hash, its tokenizer files' hash and its resolved
	// ColBERT conventions.
	Checkpoint          string `key:"omitempty"`
	CheckpointTokenizer string `key:"omitempty"`
	Conventions         string `key:"omitempty"`
	// A v2 teacher: the pretrained encoder's key it is fine-tuned from,
	// its pairs (WordNet and GCIDE) and its model selection on gcide-dev.
	Pretrained string         `key:"omitempty"`
	Pairs      string         `key:"omitempty"`
	Selection  map[string]any `key:"omitempty"`
}

// StudentSpec determines a student of one language.
type StudentSpec struct {
	Kind        string         // "student-v1"
	Teacher     string         // the teacher's key (the student starts as its copy)
	Lang        string         // the foreign language
	Training    map[string]any // lib/distill student hyperparameters (data seed included), without the logging period
	Seed        int64          // the configuration's seed (already in the teacher's key; kept so keys stay those recorded)
	BitextPairs int            // with the teacher's data and split, selects the (budgeted) bitext
	UserBitext  string         `key:"omitempty"` // content hash of the user's bitext when the student trains on it
	// A student initialised from student.init: that checkpoint's weights
	// hash, tokenizer files' hash and resolved conventions.
	Init            string `key:"omitempty"`
	InitTokenizer   string `key:"omitempty"`
	InitConventions string `key:"omitempty"`
	// A v2 student: its step selected on the dev pairs held out from its
	// bitext (splitStudentDev).
	Selection map[string]any `key:"omitempty"`
}

// BitextSpec determines a language's (budgeted) training bitext.
type BitextSpec struct {
	Data         string
	Lang         string
	SplitSeed    int64
	TestFraction float64
	CLDRTest     float64
	Budget       int    // 0 = all
	UserBitext   string `json:",omitempty"`
	WordSep      string `json:",omitempty"` // the language's word separator when set over the detected one
	UDHRFold     int    `json:",omitempty"` // setting udhr_fold
	// PipelineV2: the CLDR split seed and the word tasks' exclusion (the
	// bitext loses every word-task text).
	CLDRSplitSeed int64  `json:",omitempty"`
	Pipeline      string `json:",omitempty"`
}

// IBM1Spec determines a translation table.
type IBM1Spec struct {
	Kind        string // "ibm1-v2"
	Bitext      BitextSpec
	BitextPairs int
	Reverse     bool // p(foreign|English), for English queries
	Iterations  int
}

// Key is the tokenizer's artifact key.
func (s TokenizerSpec) Key() string { return specKey(s) }

// Key is the teacher's artifact key.
func (s TeacherSpec) Key() string { return specKey(s) }

// Key is the student's artifact key.
func (s StudentSpec) Key() string { return specKey(s) }

// Key is the table's artifact key.
func (s IBM1Spec) Key() string { return specKey(s) }

// withoutLogging drops the logging period, which does not change a trained
// model, from a training map.
func withoutLogging(params map[string]any) map[string]any {
	out := copyMap(params)
	delete(out, distill.ParamLogEvery)
	return out
}

// tokenizerSpec is the tokenizer of c trained on the bitext of languages
// (Corpus.tokenizerLanguages); userBitext is the user's bitext hash ("" without one).
func tokenizerSpec(c *Config, provenance string, languages []string, userBitext string) TokenizerSpec {
	var seps map[string]string
	if len(c.WordSep) > 0 {
		seps = c.WordSep
	}
	s := TokenizerSpec{Kind: "tokenizer-v1", Data: provenance, Languages: languages, VocabSize: c.VocabSize,
		Seed: c.Seed, SplitSeed: c.SplitSeed, TestFraction: c.TestFraction, CLDRTest: c.CLDRTest,
		TeacherPairs: c.TeacherPairs, UserBitext: userBitext, WordSeps: seps, UDHRFold: c.UDHRFold}
	if c.V2() {
		p := c.PipelineConfig
		s.Pipeline = map[string]any{"pipeline": PipelineV2, "alpha": p.PretrainAlpha, "words": p.PretrainWords,
			"cldr_split_seed": c.cldrSplitSeed(), "gcide_pairs": p.GCIDEPairs,
			"languages": p.PretrainLanguages}
	}
	return s
}

func teacherSpec(c *Config, tok TokenizerSpec, pretrained string) TeacherSpec {
	s := TeacherSpec{Kind: "teacher-v1", Tokenizer: tok.Key(), Encoder: copyMap(c.Encoder),
		Training: withoutLogging(c.Teacher), Seed: c.Seed}
	if c.V2() {
		p := c.PipelineConfig
		s.Pretrained = pretrained
		s.Pairs = fmt.Sprintf("wordnet:%d+gcide:%d", c.TeacherPairs, p.GCIDEPairs)
		s.Selection = map[string]any{"task": "gcide-dev", "measure": "map", "every": p.SelectEvery, "queries": p.DevQueries}
	}
	return s
}

// studentParams are c's student hyperparameters for data seed seed, with
// over applied (the MSE student's loss).
func studentParams(c *Config, seed int64, over map[string]any) map[string]any {
	sp := copyMap(c.Student)
	sp[distill.ParamDataSeed] = dataSeedValue(c.Student[distill.ParamDataSeed], seed)
	for k, v := range over {
		sp[k] = v
	}
	return sp
}

// dataSeedValue is seed with the type of the configured data seed (int, as
// lib/distill's default), so maps print and hash as before.
func dataSeedValue(like any, seed int64) any {
	if _, ok := like.(int64); ok {
		return seed
	}
	return int(seed)
}

func studentSpec(c *Config, teacher TeacherSpec, lang string, params map[string]any, bitextPairs int, userBitext string) StudentSpec {
	s := StudentSpec{Kind: "student-v1", Teacher: teacher.Key(), Lang: lang, Training: withoutLogging(params),
		Seed: c.Seed, BitextPairs: bitextPairs, UserBitext: userBitext}
	if c.V2() {
		s.Selection = map[string]any{"task": "student-dev", "measure": "map", "every": studentSelectEvery,
			"fraction": studentDevFraction, "max_queries": studentDevMax}
	}
	return s
}

func bitextSpec(c *Config, provenance, lang string, budget int, userBitext string) BitextSpec {
	s := BitextSpec{Data: provenance, Lang: lang, SplitSeed: c.SplitSeed, TestFraction: c.TestFraction,
		CLDRTest: c.CLDRTest, Budget: budget, UserBitext: userBitext, WordSep: c.WordSep[lang], UDHRFold: c.UDHRFold}
	if c.V2() {
		s.CLDRSplitSeed, s.Pipeline = c.cldrSplitSeed(), PipelineV2
	}
	return s
}
