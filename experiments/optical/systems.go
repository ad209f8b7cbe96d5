package optical

import (
	"context"
	"fmt"
	"strings"

	"github.com/otclir/otclir/experiments/record"
	"github.com/otclir/otclir/lib/data"
	"github.com/otclir/otclir/lib/eval"
)

// Systems are the names of the evaluated systems, in table order
// (record.Systems; each has an implementation here).
var Systems = record.SystemNames()

// System names (record's), for callers of the lab.
const (
	SystemOT             = record.SystemOT
	SystemMSE            = record.SystemMSE
	SystemMSEMaxSim      = record.SystemMSEMaxSim
	SystemPSQ            = record.SystemPSQ
	SystemOneBestBM25    = record.SystemOneBestBM25
	SystemOneBestTeacher = record.SystemOneBestTeacher
	SystemMT             = record.SystemMT
	SystemMTApertium     = record.SystemMTApertium
	SystemZeroShot       = record.SystemZeroShot
	SystemTeacher        = record.SystemTeacher
	SystemBM25           = record.SystemBM25
	SystemRandom         = record.SystemRandom
)

// Collections the lab evaluates on (record's names), besides a user's.
const (
	CollectionUDHR = record.CollectionUDHR
	CollectionCLDR = record.CollectionCLDR
)

// ranker turns a collection into a run.
type ranker func(ctx context.Context, coll data.Collection) (eval.Run, error)

// A ranking system: how one record.System fills its record and ranks.
// One file per family: systems_neural.go (teacher, zero-shot, ot, mse,
// mse-maxsim; the pooled scoring of mse in systems_pooled.go),
// systems_translation.go (psq, mt), systems_onebest.go (1best-bm25,
// 1best-teacher), systems_apertium.go (mt-apertium), systems_reference.go
// (bm25, random).
type system interface {
	// record fills the fields of rec that the system records (model keys,
	// hyperparameters, files), without building a model.
	record(l *Lab, c Cell, rec *record.EvalRun) error
	// ranker loads or trains what the system needs to rank cell c.
	ranker(ctx context.Context, l *Lab, c Cell, rec record.EvalRun) (ranker, error)
}

// systems implements every record.System, by name (TestSystemsRegistry
// checks that the two agree).
var systems = map[string]system{
	SystemOT:             studentSystem{},
	SystemMSE:            studentSystem{loss: "mse", pooled: true},
	SystemMSEMaxSim:      studentSystem{loss: "mse"},
	SystemPSQ:            psqSystem{},
	SystemOneBestBM25:    oneBestSystem{},
	SystemOneBestTeacher: oneBestSystem{teacher: true},
	SystemMT:             mtSystem{},
	SystemMTApertium:     apertiumSystem{},
	SystemZeroShot:       teacherSystem{},
	SystemTeacher:        teacherSystem{},
	SystemBM25:           bm25System{},
	SystemRandom:         randomSystem{},
}

// lookupSystem returns the description and implementation of name.
func lookupSystem(name string) (record.System, system, error) {
	info, ok := record.LookupSystem(name)
	impl := systems[name]
	if !ok || impl == nil {
		return info, nil, fmt.Errorf("optical: unknown system %q (want one of %s)", name, strings.Join(Systems, ", "))
	}
	return info, impl, nil
}

// checkDirection refuses a pair the system cannot evaluate.
func checkDirection(info record.System, qLang, dLang string) error {
	pair := record.Pair(qLang, dLang)
	foreign := qLang
	if qLang == "eng" {
		foreign = dLang
	}
	switch {
	case foreign != "eng" && !info.Serves(foreign):
		return fmt.Errorf("optical: system %s serves only %s, not %s", info.Name, strings.Join(info.Languages, ", "), pair)
	case info.CrossLingual && (qLang == dLang || (qLang != "eng" && dLang != "eng")):
		return fmt.Errorf("optical: system %s needs a foreign side and an English one, got %s", info.Name, pair)
	case info.Monolingual && qLang != dLang:
		return fmt.Errorf("optical: system %s is monolingual, got %s", info.Name, pair)
	}
	return nil
}

func split(qs []data.Query) (ids, texts []string) {
	for _, q := range qs {
		ids, texts = append(ids, q.ID), append(texts, q.Text)
	}
	return
}

func splitDocs(ds []data.Doc) (ids, texts []string) {
	for _, d := range ds {
		ids, texts = append(ids, d.ID), append(texts, d.Text)
	}
	return
}
