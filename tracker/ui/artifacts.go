package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/otclir/otclir/tracker"
)

// ErrOutsideArtifacts is returned for a recorded artifact path that does
// not resolve inside the artifacts folder.
var ErrOutsideArtifacts = errors.New("ui: artifact is outside the artifacts folder")

// artifactRel returns the path of a recorded artifact relative to the
// artifacts folder, or an error when it lies outside it (lexically, after
// joining a relative path to the root folder). The file is then opened
// through os.Root, which also refuses symbolic links (and ".." after
// them) that lead out of the folder.
func (s *Server) artifactRel(recorded string) (string, error) {
	if s.artifacts == "" {
		return "", fmt.Errorf("%w: no artifacts folder configured", ErrOutsideArtifacts)
	}
	p := recorded
	if !filepath.IsAbs(p) {
		p = filepath.Join(s.root, p)
	}
	p = filepath.Clean(p)
	// The folder as given, then with its symbolic links resolved (a path
	// recorded through the real folder).
	for _, dir := range []string{s.artifacts, s.artifactsReal} {
		if dir == "" {
			continue
		}
		rel, err := filepath.Rel(dir, p)
		if err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return rel, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrOutsideArtifacts, recorded)
}

// openArtifact opens the recorded artifact path of run id (it must be one
// of the run's artifacts) inside the artifacts folder. The caller closes
// the file.
func (s *Server) openArtifact(runID int64, recorded string) (*os.File, tracker.Artifact, error) {
	arts, err := s.opts.DB.Artifacts(runID)
	if err != nil {
		return nil, tracker.Artifact{}, err
	}
	var art tracker.Artifact
	found := false
	for _, a := range arts {
		if a.Path == recorded {
			art, found = a, true
			break
		}
	}
	if !found {
		if _, err := s.opts.DB.GetRun(runID); err != nil {
			return nil, art, err
		}
		return nil, art, notFound("run %d has no artifact %q", runID, recorded)
	}
	rel, err := s.artifactRel(art.Path)
	if err != nil {
		return nil, art, httpError{http.StatusForbidden, err.Error()}
	}
	root, err := os.OpenRoot(s.artifacts)
	if err != nil {
		return nil, art, notFound("artifacts folder %s: %v", s.opts.ArtifactDir, err)
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, art, notFound("artifact %s is not on disk", recorded)
		}
		// os.Root refuses paths escaping the folder through symlinks.
		return nil, art, httpError{http.StatusForbidden, fmt.Sprintf("%v: %s", ErrOutsideArtifacts, recorded)}
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, art, httpError{http.StatusForbidden, fmt.Sprintf("artifact %s is not a regular file", recorded)}
	}
	return f, art, nil
}

// textTypes are artifact kinds of extensions shown inline as plain text;
// everything else downloads as application/octet-stream. Nothing is ever
// served as HTML, so an artifact cannot run scripts on this origin.
var textTypes = map[string]bool{".txt": true, ".json": true, ".trec": true, ".tsv": true, ".csv": true,
	".md": true, ".tex": true, ".log": true, ".qrels": true, ".run": true}

func (s *Server) artifactDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := parseRunID(r)
	if err != nil {
		return err
	}
	recorded := r.URL.Query().Get("path")
	if recorded == "" {
		return badRequest("missing ?path= of the artifact")
	}
	f, _, err := s.openArtifact(id, recorded)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	name := filepath.Base(recorded)
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if textTypes[strings.ToLower(filepath.Ext(name))] {
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		hd.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, safeFileName(name)))
	} else {
		hd.Set("Content-Type", "application/octet-stream")
		hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, safeFileName(name)))
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}

// AlignmentKind is the artifact kind of an OT alignment: a JSON file in
// the form of Alignment, drawn as a heatmap on its run's page.
const AlignmentKind = "alignment"

// MaxAlignmentBytes caps the size of an alignment artifact the UI reads.
const MaxAlignmentBytes = 8 << 20

// Alignment is the JSON form of an alignment artifact: the transport plan
// between the foreign tokens (rows) and the English tokens (columns). Its
// field names are those encoding/json gives the alignment of the
// experiments (optical.Alignment), so json.Marshal of one is a valid
// artifact; a test in the otclir command checks that they agree.
type Alignment struct {
	ForeignTokens []string
	EnglishTokens []string
	Plan          [][]float64
	Epsilon       float64
	Iterations    int
	Loss          float64
}

// ReadAlignment decodes and checks an alignment artifact (name is used in
// errors).
func ReadAlignment(r io.Reader, name string) (*Alignment, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxAlignmentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ui: alignment %s: %w", name, err)
	}
	if len(b) > MaxAlignmentBytes {
		return nil, fmt.Errorf("ui: alignment %s is larger than %d bytes", name, MaxAlignmentBytes)
	}
	var a Alignment
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("ui: alignment %s: %w", name, err)
	}
	if len(a.ForeignTokens) == 0 || len(a.EnglishTokens) == 0 {
		return nil, fmt.Errorf("ui: alignment %s: no tokens (ForeignTokens %d, EnglishTokens %d)", name, len(a.ForeignTokens), len(a.EnglishTokens))
	}
	if len(a.Plan) != len(a.ForeignTokens) {
		return nil, fmt.Errorf("ui: alignment %s: Plan has %d rows, want %d (ForeignTokens)", name, len(a.Plan), len(a.ForeignTokens))
	}
	for i, row := range a.Plan {
		if len(row) != len(a.EnglishTokens) {
			return nil, fmt.Errorf("ui: alignment %s: Plan row %d has %d values, want %d (EnglishTokens)", name, i, len(row), len(a.EnglishTokens))
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("ui: alignment %s: Plan[%d][%d] = %g, want a finite mass >= 0", name, i, j, v)
			}
		}
	}
	return &a, nil
}
