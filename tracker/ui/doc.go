// Package ui is the tracker in a browser: a local web application over a
// tracker database (results.db), in the spirit of MLflow's UI. It reads the
// database through tracker.OpenReadOnly only (New refuses a writable
// handle), so it never writes, and can run beside live training runs.
//
// # Pages
//
//	/                            experiments with run counts by status
//	/experiments/{name}          an experiment's paper tables (Markdown, LaTeX and CSV
//	                             downloads, significance markers) and standard charts (Reports)
//	/runs?filter=&order=&col=&page=&size=
//	                             the runs table: the filter language of package tracker/filter,
//	                             sortable columns (attributes, params.K, metrics.K, tags.K), status
//	                             colours, paging in SQL (tracker.DB.SearchRunsPage)
//	/runs/{id}                   a run: attributes, git commit and environment, params, tags,
//	                             final metrics, per-step curves, per-query results (sortable with
//	                             ?pq=MEASURE&dir=asc|desc, query texts where Options.QueryTexts
//	                             knows them), artifacts with sizes and hashes, OT alignment heatmaps
//	/runs/{id}/metrics.json?after=SEQ
//	                             metric points logged after point SEQ (tracker.DB.MetricsAfter)
//	/runs/{id}/artifact?path=P   a recorded artifact of the run (see Files)
//	/compare?ids=1,2&measure=&a=&b=&diff=only
//	                             2 to 10 runs side by side: differing rows highlighted, overlaid
//	                             curves, and the per-query scatter of runs a and b with the paired
//	                             randomization test and t-test of lib/eval
//
// The page of a RUNNING run polls metrics.json every Options.LivePeriod and
// appends the new points to its charts; it reloads when a new metric
// appears or the run ends.
//
// # Charts
//
// Charts come from lib/plots (go-echarts). The ECharts library is served
// by the binary at /static/echarts.min.js; nothing loads from the network.
//
// # Security
//
// The UI has no authentication: it is meant for the loopback interface,
// and by default refuses requests whose Host header is not a loopback name
// (DNS rebinding); Options.AnyHost lifts that for a deliberate public
// address. Pages are html/template, so every value is escaped by its
// context; the only unescaped HTML is chart fragments from lib/plots, which
// encode user text as JSON with HTML escaping. Every response carries a
// Content-Security-Policy: scripts run only from this origin or inline
// with the response's random nonce, so markup that slipped through could
// not run. Every query is parameterised (filters compile to "?"
// arguments). Only GET and HEAD are served.
//
// # Files
//
// No path from a request reaches the filesystem except artifacts: the
// ?path= of an artifact request must be one recorded for that run, a
// relative recorded path is joined to Options.Root, the result must lie
// lexically inside Options.ArtifactDir, and the file is opened through
// os.Root on that folder, which refuses symbolic links leading out of it.
// Artifacts are served as plain text or as attachments, never as HTML.
//
// # Alignments
//
// An artifact of kind AlignmentKind ("alignment") is a JSON file in the
// form of Alignment (the JSON encoding of the experiments' alignment:
// ForeignTokens, EnglishTokens, Plan, Epsilon, Iterations, Loss); the run
// page draws its plan as a heatmap.
package ui
