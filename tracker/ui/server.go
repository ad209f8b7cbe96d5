package ui

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/otclir/otclir/lib/plots"
	"github.com/otclir/otclir/tracker"
)

// Errors returned by New.
var (
	ErrWritable = errors.New("ui: the database must be opened with tracker.OpenReadOnly")
	ErrOptions  = errors.New("ui: invalid options")
)

// Defaults for Options.
const (
	DefaultPageSize   = 50
	MaxPageSize       = 500
	DefaultLivePeriod = 2 * time.Second
	// MaxLivePoints caps the metric points a run page draws and one live
	// poll returns.
	MaxLivePoints = 100_000
)

// Options configures a Server.
type Options struct {
	// DB is the tracker, opened with tracker.OpenReadOnly (New refuses a
	// writable one).
	DB *tracker.DB
	// ArtifactDir is the artifacts folder: only files recorded as a run's
	// artifacts that resolve inside it are served. "" serves none.
	ArtifactDir string
	// Root is the folder relative artifact paths were recorded against
	// (the directory the runs were started in); "" is the current directory.
	Root string
	// Reports draws an experiment's paper tables and standard charts; nil
	// leaves them out of the experiment page.
	Reports Reports
	// QueryTexts returns the text of a run's queries by query id, where
	// known (nil, or a nil map: ids only).
	QueryTexts func(run *tracker.RunRecord) (map[string]string, error)
	// PageSize is the default number of runs per page (DefaultPageSize).
	PageSize int
	// LivePeriod is how often the page of a RUNNING run polls for new
	// metric points (DefaultLivePeriod).
	LivePeriod time.Duration
	// AnyHost accepts requests for any Host header. By default only
	// loopback hosts (localhost, 127.0.0.0/8, ::1) are served, so a web
	// page elsewhere cannot read the database through DNS rebinding.
	AnyHost bool
	// Log receives handler errors (nil: the standard logger).
	Log *log.Logger
}

// Server is the web UI over one tracker database. It is an http.Handler.
type Server struct {
	opts      Options
	artifacts string // absolute, "" when none
	// artifactsReal is artifacts with symbolic links resolved ("" when it
	// does not exist yet).
	artifactsReal string
	root          string // absolute
	mux           *http.ServeMux
	pages         map[string]*template.Template
	log           *log.Logger

	mu    sync.Mutex
	cache map[string]*reportEntry // by experiment
}

// New returns a Server for opts.
func New(opts Options) (*Server, error) {
	if opts.DB == nil {
		return nil, fmt.Errorf("%w: no database", ErrOptions)
	}
	if !opts.DB.ReadOnly() {
		return nil, fmt.Errorf("%w: %s", ErrWritable, opts.DB.Path())
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.PageSize > MaxPageSize {
		return nil, fmt.Errorf("%w: page size %d exceeds %d", ErrOptions, opts.PageSize, MaxPageSize)
	}
	if opts.LivePeriod <= 0 {
		opts.LivePeriod = DefaultLivePeriod
	}
	s := &Server{opts: opts, log: opts.Log, cache: map[string]*reportEntry{}}
	if s.log == nil {
		s.log = log.Default()
	}
	root := opts.Root
	if root == "" {
		root = "."
	}
	var err error
	if s.root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("%w: root %s: %v", ErrOptions, root, err)
	}
	if opts.ArtifactDir != "" {
		if s.artifacts, err = filepath.Abs(opts.ArtifactDir); err != nil {
			return nil, fmt.Errorf("%w: artifacts %s: %v", ErrOptions, opts.ArtifactDir, err)
		}
		if st, err := os.Stat(s.artifacts); err == nil && !st.IsDir() {
			return nil, fmt.Errorf("%w: artifacts %s is not a folder", ErrOptions, opts.ArtifactDir)
		}
		if real, err := filepath.EvalSymlinks(s.artifacts); err == nil && real != s.artifacts {
			s.artifactsReal = real
		}
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r); err != nil {
				s.fail(w, r, err)
			}
		})
	}
	h("GET /{$}", s.experimentsPage)
	h("GET /experiments/{name}", s.experimentPage)
	h("GET /experiments/{name}/table", s.tableDownload)
	h("GET /runs", s.runsPage)
	h("GET /runs/{id}", s.runPage)
	h("GET /runs/{id}/metrics.json", s.runMetricsJSON)
	h("GET /runs/{id}/artifact", s.artifactDownload)
	h("GET /compare", s.comparePage)
	s.mux.HandleFunc("GET /static/echarts.min.js", staticHandler("text/javascript; charset=utf-8", []byte(plots.EChartsJS())))
	s.mux.HandleFunc("GET /static/ui.js", staticHandler("text/javascript; charset=utf-8", uiJS))
	s.mux.HandleFunc("GET /static/ui.css", staticHandler("text/css; charset=utf-8", uiCSS))
	h("/", func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			return httpError{http.StatusMethodNotAllowed, "the UI is read-only: only GET and HEAD"}
		}
		return httpError{http.StatusNotFound, "no page at " + r.URL.Path}
	})
}

// ServeHTTP serves the UI with security headers on every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !s.opts.AnyHost && !loopbackHost(r.Host) {
		hd.Set("Content-Security-Policy", "default-src 'none'")
		http.Error(w, "ui: host "+r.Host+" is not a loopback address (start the UI with -public to serve other hosts)", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether the Host header names this machine:
// localhost or a loopback IP, with or without a port.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address ("host:port") binds only
// loopback interfaces: an empty host (every interface) does not.
func IsLoopbackAddr(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil || h == "" {
		return false
	}
	return loopbackHost(h)
}

func staticHandler(contentType string, body []byte) http.HandlerFunc {
	etag := fmt.Sprintf(`"%x"`, hashBytes(body))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}
}

// httpError is an error with an HTTP status and a message for the user.
type httpError struct {
	status int
	msg    string
}

func (e httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// fail writes err as an error page: its own status for an httpError, 404
// for a missing run or experiment, 400 for a filter syntax error, else 500
// (and a log line).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, err.Error()
	var he httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, tracker.ErrRunNotFound), errors.Is(err, tracker.ErrExperimentNotFound):
		status = http.StatusNotFound
	default:
		s.log.Printf("ui: %s %s: %v", r.Method, r.URL.RequestURI(), err)
	}
	s.render(w, r, status, "error.html", &errorData{Status: status, StatusText: http.StatusText(status), Message: msg})
}

type errorData struct {
	Status     int
	StatusText string
	Message    string
}

// page is what every template gets: the page-specific data, the script
// nonce and the navigation state.
type page struct {
	Title  string
	DB     string // the database path
	Nonce  string
	Charts bool // load ECharts
	Data   any
}

func newNonce() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("ui: crypto/rand failed: %v", err)) // documented never to fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// render executes the page template name into a buffer, then writes it
// with status and a Content-Security-Policy that runs only this origin's
// scripts and inline scripts carrying the response's nonce.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	s.renderNonce(w, r, status, name, data, newNonce())
}

func (s *Server) renderNonce(w http.ResponseWriter, r *http.Request, status int, name string, data any, nonce string) {
	t := s.pages[name]
	var buf bytes.Buffer
	title, charts := pageMeta(data)
	if err := t.ExecuteTemplate(&buf, "layout", &page{Title: title, DB: s.opts.DB.Path(), Nonce: nonce, Charts: charts, Data: data}); err != nil {
		s.log.Printf("ui: %s %s: template %s: %v", r.Method, r.URL.RequestURI(), name, err)
		http.Error(w, "ui: internal error rendering the page", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'nonce-"+nonce+"'; "+
		"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "+
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// titled is implemented by page data that names its page.
type titled interface {
	title() string
}

// charted is implemented by page data that may hold charts.
type charted interface {
	hasCharts() bool
}

func pageMeta(data any) (string, bool) {
	title := "otclir tracker"
	if t, ok := data.(titled); ok {
		title = t.title() + " · otclir tracker"
	}
	c, ok := data.(charted)
	return title, ok && c.hasCharts()
}

func (e *errorData) title() string { return fmt.Sprintf("%d %s", e.Status, e.StatusText) }
