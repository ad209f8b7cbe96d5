package optical

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
	"github.com/otclir/otclir/tracker"
)

// UserConfig names a user's own test collection and bitext (settings
// user.*). Queries are the topics' titles in Lang; documents are in DocLang;
// one of the two is English ("eng"), the teacher's language. The bitext pairs
// the other (foreign) language with English: a TSV file of lines
// "foreign<TAB>English", or two line-aligned files (BitextSrc foreign,
// BitextTgt English).
type UserConfig struct {
	Name      string // collection name (default: the documents file's name without extension)
	Lang      string // query language code: any code of letters, digits and "_"
	DocLang   string // document language code ("eng" when empty)
	Docs      string // documents: TSV "docno<TAB>text" or JSON lines (data.ReadDocs)
	Topics    string // topics: TREC SGML, TSV "qid<TAB>text" or JSON lines (eval.ReadTopics)
	Qrels     string // TREC qrels "qid iter docno rel" (eval.ReadQrels)
	Bitext    string // TSV "foreign<TAB>English[<TAB>origin]" (data.ReadBitextTSV)
	BitextSrc string // aligned files (data.ReadBitextParallel): foreign side
	BitextTgt string // aligned files: English side
}

// userKeys are the settings of UserConfig, in Settings order.
var userKeys = []string{"name", "lang", "doc_lang", "docs", "topics", "qrels", "bitext", "bitext_src", "bitext_tgt"}

func (u *UserConfig) field(key string) *string {
	switch key {
	case "name":
		return &u.Name
	case "lang":
		return &u.Lang
	case "doc_lang":
		return &u.DocLang
	case "docs":
		return &u.Docs
	case "topics":
		return &u.Topics
	case "qrels":
		return &u.Qrels
	case "bitext":
		return &u.Bitext
	case "bitext_src":
		return &u.BitextSrc
	case "bitext_tgt":
		return &u.BitextTgt
	}
	return nil
}

func (u *UserConfig) set(key, value string) error {
	p := u.field(key)
	if p == nil {
		return fmt.Errorf("unknown user setting (known: user.%s)", strings.Join(userKeys, ", user."))
	}
	*p = value
	return nil
}

// Enabled reports whether any user.* setting is given.
func (u UserConfig) Enabled() bool { return u != UserConfig{} }

// Resolved fills the defaults: DocLang "eng" and Name from the documents
// file name.
func (u UserConfig) Resolved() UserConfig {
	if u.DocLang == "" {
		u.DocLang = "eng"
	}
	if u.Name == "" && u.Docs != "" {
		base := filepath.Base(u.Docs)
		base = strings.TrimSuffix(base, filepath.Ext(base))
		u.Name = badNameRune.ReplaceAllString(base, "_")
		if !validName.MatchString(u.Name) || u.Name == record.CollectionUDHR || u.Name == record.CollectionCLDR || u.Name == record.CollectionWords {
			u.Name = CollectionUser + "_" + u.Name
		}
	}
	return u
}

// Foreign is the non-English side (Lang or DocLang), or "eng" for an
// English→English collection.
func (u UserConfig) Foreign() string {
	u = u.Resolved()
	if u.Lang != "eng" {
		return u.Lang
	}
	return u.DocLang
}

// CrossLingual reports whether queries and documents differ in language.
func (u UserConfig) CrossLingual() bool {
	u = u.Resolved()
	return u.Lang != u.DocLang
}

var (
	validLang   = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	validName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.]*$`)
	badNameRune = regexp.MustCompile(`[^A-Za-z0-9_.]`)
)

// validate checks a UserConfig with any field set: every error names the
// setting.
func (u UserConfig) validate() error {
	u = u.Resolved()
	for _, k := range []string{"docs", "topics", "qrels", "lang"} {
		if *u.field(k) == "" {
			return fmt.Errorf("optical: user.%s is required with a user collection (user.docs, user.topics, user.qrels, user.lang, and a bitext)", k)
		}
	}
	for k, v := range map[string]string{"lang": u.Lang, "doc_lang": u.DocLang} {
		if !validLang.MatchString(v) {
			return fmt.Errorf("optical: user.%s %q: want a language code of letters, digits and _", k, v)
		}
	}
	if u.Lang != "eng" && u.DocLang != "eng" {
		return fmt.Errorf("optical: user.lang %s and user.doc_lang %s: one side must be English (eng), the teacher's language", u.Lang, u.DocLang)
	}
	if !validName.MatchString(u.Name) {
		return fmt.Errorf("optical: user.name %q: want letters, digits, _ and . (starting with a letter or digit)", u.Name)
	}
	if u.Name == record.CollectionUDHR || u.Name == record.CollectionCLDR || u.Name == record.CollectionWords || u.Name == CollectionUser {
		return fmt.Errorf("optical: user.name %q is a built-in collection", u.Name)
	}
	if err := tracker.ValidateName("user.name", u.Name); err != nil {
		return fmt.Errorf("optical: %w", err)
	}
	switch {
	case u.Bitext != "" && (u.BitextSrc != "" || u.BitextTgt != ""):
		return fmt.Errorf("optical: user.bitext and user.bitext_src/user.bitext_tgt are alternatives: give one")
	case (u.BitextSrc == "") != (u.BitextTgt == ""):
		return fmt.Errorf("optical: user.bitext_src and user.bitext_tgt go together (foreign side, English side)")
	case u.Bitext == "" && u.BitextSrc == "" && u.CrossLingual():
		return fmt.Errorf("optical: user.bitext (or user.bitext_src + user.bitext_tgt) is required: a %s-%s collection needs %s-English bitext", u.Lang, u.DocLang, u.Foreign())
	}
	return nil
}

// UserData is a loaded user collection.
type UserData struct {
	Config     UserConfig      // resolved (defaults filled)
	Collection data.Collection // topics' titles as queries, the documents, the qrels
	Bitext     []data.Pair     // foreign→English
	// BitextHash is a content hash of the bitext file(s): it keys the
	// tokenizer, and through it the teacher and the students, and the IBM1
	// table. DataHash covers every file (documents, topics, qrels, bitext)
	// and keys evaluation runs.
	BitextHash, DataHash string
	Warnings             []string // judged documents missing from the collection, unjudged topics
}

// fileHash is the SHA-256 of a file's content (hex, 16 characters), or an
// error naming the file.
func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("optical: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("optical: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// LoadUserData reads and checks the user's files. Reader errors (file and
// line) are returned unchanged. A bitext that contains a topic's text
// (data.CheckNoLeak) is refused with data.ErrLeak.
func LoadUserData(u UserConfig) (*UserData, error) {
	if err := u.validate(); err != nil {
		return nil, err
	}
	u = u.Resolved()
	docs, err := data.ReadDocs(u.Docs)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("optical: user.docs %s: no documents", u.Docs)
	}
	topics, err := eval.ReadTopics(u.Topics)
	if err != nil {
		return nil, err
	}
	qrels, err := eval.ReadQrels(u.Qrels)
	if err != nil {
		return nil, err
	}
	ud := &UserData{Config: u}
	coll := data.Collection{Name: u.Name + "-" + record.Pair(u.Lang, u.DocLang), QueryLang: u.Lang, DocLang: u.DocLang,
		Docs: docs, Qrels: data.Qrels(qrels)}
	judged := 0
	for _, t := range topics {
		if t.Title == "" {
			return nil, fmt.Errorf("optical: user.topics %s: topic %s has no title (the title is the query)", u.Topics, t.ID)
		}
		coll.Queries = append(coll.Queries, data.Query{ID: t.ID, Text: t.Title})
		if len(qrels[t.ID]) > 0 {
			judged++
		}
	}
	if judged == 0 {
		return nil, fmt.Errorf("optical: user.qrels %s judges none of the %d topics of %s", u.Qrels, len(topics), u.Topics)
	}
	if judged < len(topics) {
		ud.Warnings = append(ud.Warnings, fmt.Sprintf("%d of %d topics have no judgements in %s (trec_eval skips them)", len(topics)-judged, len(topics), u.Qrels))
	}
	docSet := make(map[string]bool, len(docs))
	for _, d := range docs {
		docSet[d.ID] = true
	}
	missing := 0
	for _, byDoc := range qrels {
		for d := range byDoc {
			if !docSet[d] {
				missing++
			}
		}
	}
	if missing > 0 {
		ud.Warnings = append(ud.Warnings, fmt.Sprintf("%d judgements in %s name documents that are not in %s", missing, u.Qrels, u.Docs))
	}
	ud.Collection = coll

	var bitextFiles []string
	switch {
	case u.Bitext != "":
		bitextFiles = []string{u.Bitext}
		ud.Bitext, err = data.ReadBitextTSV(u.Bitext)
	case u.BitextSrc != "":
		bitextFiles = []string{u.BitextSrc, u.BitextTgt}
		ud.Bitext, err = data.ReadBitextParallel(u.BitextSrc, u.BitextTgt)
	}
	if err != nil {
		return nil, err
	}
	if len(bitextFiles) > 0 && len(ud.Bitext) == 0 {
		return nil, fmt.Errorf("optical: user bitext %s: no pairs", strings.Join(bitextFiles, " + "))
	}
	if err := data.CheckNoLeak(ud.Bitext, coll.Queries); err != nil {
		return nil, fmt.Errorf("optical: user bitext %s vs topics %s: %w", strings.Join(bitextFiles, " + "), u.Topics, err)
	}
	var bitextHashes, allHashes []string
	for _, f := range bitextFiles {
		h, err := fileHash(f)
		if err != nil {
			return nil, err
		}
		bitextHashes = append(bitextHashes, h)
	}
	for _, f := range []string{u.Docs, u.Topics, u.Qrels} {
		h, err := fileHash(f)
		if err != nil {
			return nil, err
		}
		allHashes = append(allHashes, h)
	}
	ud.BitextHash = specKey(struct {
		Kind, Lang string
		Files      []string
	}{"user-bitext-v1", u.Foreign(), bitextHashes})
	ud.DataHash = specKey(struct {
		Kind, Lang, DocLang string
		Files               []string
		Bitext              string
	}{"user-data-v1", u.Lang, u.DocLang, allHashes, ud.BitextHash})
	return ud, nil
}

// params are the user collection's provenance recorded with each
// evaluation run and each student trained on its bitext: the files, their
// content hash and the collection name.
func (ud *UserData) params() map[string]string {
	p := map[string]string{record.ParamUserDataHash: ud.DataHash, record.ParamUserBitextHash: ud.BitextHash}
	for _, k := range userKeys {
		if v := *ud.Config.field(k); v != "" {
			p[record.PrefixUser+k] = v
		}
	}
	return p
}

// userSource is the user's collection as a Source: its name is the
// collection's (UserConfig.Name), its one direction the files' languages.
type userSource struct{ u *UserData }

func (s userSource) Name() string                  { return s.u.Config.Name }
func (s userSource) Provenance() map[string]string { return s.u.params() }

func (s userSource) Collection(qLang, dLang string) (data.Collection, error) {
	u := s.u.Config
	if qLang != u.Lang || dLang != u.DocLang {
		return data.Collection{}, fmt.Errorf("optical: collection %s has %s queries and %s documents (user.lang, user.doc_lang), got %s",
			u.Name, u.Lang, u.DocLang, record.Pair(qLang, dLang))
	}
	return s.u.Collection, nil
}

func (s userSource) TestQueries(lang string) ([]data.Query, error) {
	if s.u.Config.Foreign() != lang {
		return nil, nil
	}
	return s.u.Collection.Queries, nil
}

// DefaultUserSystems are the systems `otclir user` runs when none are
// named: the cross-lingual ones, the 1-best translation baselines among them
// (plus mt when translated queries are configured), or the English
// references for an English→English collection.
func DefaultUserSystems(cfg *Config) []string {
	u := cfg.User.Resolved()
	if !u.CrossLingual() {
		return []string{record.SystemTeacher, record.SystemBM25, record.SystemRandom}
	}
	s := []string{record.SystemOT, record.SystemMSE, record.SystemPSQ, record.SystemOneBestBM25, record.SystemOneBestTeacher,
		record.SystemZeroShot, record.SystemRandom}
	if cfg.MTQueries[u.Lang] != "" && u.DocLang == "eng" {
		s = append(s, record.SystemMT)
	}
	return s
}
