package record

// System names.
const (
	SystemOT             = "ot"            // OPTICAL student (foreign side) + teacher (English side)
	SystemMSE            = "mse"           // sentence-level distillation student (Reimers & Gurevych 2020) + teacher, pooled cosine
	SystemMSEMaxSim      = "mse-maxsim"    // the MSE student scored with token MaxSim (how runs before pooled scoring were scored)
	SystemPSQ            = "psq"           // translation baseline: IBM Model 1 on the same bitext + PSQ with BM25
	SystemOneBestBM25    = "1best-bm25"    // 1-best word-by-word IBM Model 1 translation + BM25
	SystemOneBestTeacher = "1best-teacher" // 1-best word-by-word IBM Model 1 translation + the teacher's MaxSim
	SystemMT             = "mt"            // BM25 over an MT system's translations of the queries
	SystemMTApertium     = "mt-apertium"   // BM25 over Apertium's translations of the queries (spa)
	SystemZeroShot       = "zero-shot"     // the teacher on both sides, no bitext
	SystemTeacher        = "teacher"       // English→English with the teacher (upper bound)
	SystemBM25           = "bm25"          // monolingual BM25 (English→English reference)
	SystemRandom         = "random"        // chance-level reference
)

// Scorings a system's runs record (ParamScoring). Runs that record none
// rank with token MaxSim (lib/retrieval), as every run did before the
// parameter existed.
const (
	ScoringMeanCosine = "mean-cosine" // cosine of mean-pooled token vectors (lib/retrieval.NewPooledIndex)
)

// System describes an evaluated system: what its runs depend on, and so
// which parameters they record.
type System struct {
	Name string
	// Seeded systems vary with the data seed (a student's batch order, the
	// random ranking): a grid runs them once per seed, the others once.
	Seeded bool
	// Teacher: ranks with the teacher (records teacher_hash).
	Teacher bool
	// Student: ranks with a student distilled on bitext (records
	// student_hash and the student.* hyperparameters, data seed included).
	Student bool
	// Bitext: learns from bitext (records bitext_pairs and bitext_budget).
	Bitext bool
	// IBM1: translates with an IBM Model 1 table (records ibm1_iterations).
	IBM1 bool
	// MT: ranks translated queries (records mt_queries).
	MT bool
	// Engine: translates queries with an MT engine it runs (records
	// mt_engine and mt_engine_version).
	Engine bool
	// Languages are the only foreign languages the system serves (nil:
	// every one); a grid leaves the system out for the others.
	Languages []string
	// Scoring is what its runs record as ParamScoring ("": nothing, token
	// MaxSim or a non-neural ranking).
	Scoring string
	// RecordedAs is the name its runs record as ParamSystem when it is not
	// Name: a variant whose runs are those recorded before the variants
	// were told apart (mse-maxsim is recorded as "mse" without a scoring),
	// so that those runs are read back as what they are and found again.
	RecordedAs string
	// CrossLingual systems need a foreign side (queries or documents not
	// in English); Monolingual ones need queries and documents in one
	// language.
	CrossLingual, Monolingual bool
	Summary                   string
}

// Systems are every system, in the order of result tables.
var Systems = []System{
	{Name: SystemOT, Seeded: true, Teacher: true, Student: true, Bitext: true, CrossLingual: true,
		Summary: "OPTICAL student (optimal-transport distillation) for the foreign side, teacher for English"},
	{Name: SystemMSE, Seeded: true, Teacher: true, Student: true, Bitext: true, CrossLingual: true, Scoring: ScoringMeanCosine,
		Summary: "sentence-level (MSE) distillation student for the foreign side, teacher for English, scored as trained: cosine of mean-pooled vectors"},
	{Name: SystemMSEMaxSim, Seeded: true, Teacher: true, Student: true, Bitext: true, CrossLingual: true, RecordedAs: SystemMSE,
		Summary: "the MSE student scored with token MaxSim (the runs recorded before pooled scoring; reproduces them)"},
	{Name: SystemPSQ, Bitext: true, IBM1: true, CrossLingual: true,
		Summary: "IBM Model 1 on the same bitext, probabilistic structured queries over BM25"},
	{Name: SystemOneBestBM25, Bitext: true, IBM1: true, CrossLingual: true,
		Summary: "the foreign side translated word by word into its most probable English words (IBM Model 1, same bitext), BM25"},
	{Name: SystemOneBestTeacher, Teacher: true, Bitext: true, IBM1: true, CrossLingual: true,
		Summary: "the foreign side translated word by word into its most probable English words (IBM Model 1), the teacher's MaxSim"},
	{Name: SystemMT, MT: true, CrossLingual: true,
		Summary: "BM25 over an MT system's English translations of the queries"},
	{Name: SystemMTApertium, Engine: true, CrossLingual: true, Languages: []string{"spa"},
		Summary: "the queries translated offline by Apertium (rule-based MT, Debian apertium-en-es), BM25"},
	{Name: SystemZeroShot, Teacher: true, Summary: "the English teacher on both sides, no bitext"},
	{Name: SystemTeacher, Teacher: true, Summary: "the teacher on English queries and documents (upper bound)"},
	{Name: SystemBM25, Monolingual: true, Summary: "BM25 on queries and documents of one language"},
	{Name: SystemRandom, Seeded: true, Summary: "a seeded random ranking of every document (chance level)"},
}

// LookupSystem finds a system by name.
func LookupSystem(name string) (System, bool) {
	for _, s := range Systems {
		if s.Name == name {
			return s, true
		}
	}
	return System{}, false
}

// recorded is the name s's runs record.
func (s System) recorded() string {
	if s.RecordedAs != "" {
		return s.RecordedAs
	}
	return s.Name
}

// Serves reports whether s evaluates the foreign language lang.
func (s System) Serves(lang string) bool {
	if s.Languages == nil {
		return true
	}
	for _, l := range s.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// lookupRecorded finds the system whose runs record name and scoring.
func lookupRecorded(name, scoring string) (System, bool) {
	for _, s := range Systems {
		if s.recorded() == name && s.Scoring == scoring {
			return s, true
		}
	}
	return System{}, false
}

// SystemNames are the names of Systems, in table order.
func SystemNames() []string {
	out := make([]string, len(Systems))
	for i, s := range Systems {
		out[i] = s.Name
	}
	return out
}

// SystemRank is name's position in Systems (table order); unknown names
// sort after every known one.
func SystemRank(name string) int {
	for i, s := range Systems {
		if s.Name == name {
			return i
		}
	}
	return len(Systems)
}

// Built-in collections (the values of an EvalRun's Collection; a user
// collection records its own name).
const (
	CollectionUDHR = "udhr" // UDHR paragraphs of held-out articles
	CollectionCLDR = "cldr" // CLDR annotations of held-out concepts, all concepts as documents
	// CollectionWords: held-out FreeDict headwords (or, for a language
	// without FreeDict, CLDR names) as queries, WordNet glosses as
	// documents (pipeline v2).
	CollectionWords = "words"
)

// Pair names a direction: "swh-eng" = Swahili queries, English documents.
func Pair(queryLang, docLang string) string { return queryLang + "-" + docLang }

// FinalMeasures are the final metrics of every evaluation run.
var FinalMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100", "num_q"}

// PerQueryMeasures are stored per query for every evaluation run.
var PerQueryMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100"}
