package record

// System names.
const (
	SystemOT       = "ot"        // OPTICAL student (foreign side) + teacher (English side)
	SystemMSE      = "mse"       // sentence-level distillation student (Reimers & Gurevych 2020) + teacher
	SystemPSQ      = "psq"       // translation baseline: IBM Model 1 on the same bitext + PSQ with BM25
	SystemMT       = "mt"        // BM25 over an MT system's translations of the queries
	SystemZeroShot = "zero-shot" // the teacher on both sides, no bitext
	SystemTeacher  = "teacher"   // English→English with the teacher (upper bound)
	SystemBM25     = "bm25"      // monolingual BM25 (English→English reference)
	SystemRandom   = "random"    // chance-level reference
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
	{Name: SystemMSE, Seeded: true, Teacher: true, Student: true, Bitext: true, CrossLingual: true,
		Summary: "sentence-level (MSE) distillation student for the foreign side, teacher for English"},
	{Name: SystemPSQ, Bitext: true, IBM1: true, CrossLingual: true,
		Summary: "IBM Model 1 on the same bitext, probabilistic structured queries over BM25"},
	{Name: SystemMT, MT: true, CrossLingual: true,
		Summary: "BM25 over an MT system's English translations of the queries"},
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
)

// Pair names a direction: "swh-eng" = Swahili queries, English documents.
func Pair(queryLang, docLang string) string { return queryLang + "-" + docLang }

// FinalMeasures are the final metrics of every evaluation run.
var FinalMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100", "num_q"}

// PerQueryMeasures are stored per query for every evaluation run.
var PerQueryMeasures = []string{"map", "ndcg_cut_10", "recip_rank_cut_10", "recall_100"}
