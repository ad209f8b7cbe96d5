// Package plots draws otclir's charts with go-echarts (v2.6.7) and renders
// them so that they work with no network: the Apache ECharts 5.6.0 library
// (assets/echarts.min.js from the npm package echarts@5.6.0, Apache-2.0, see
// assets/LICENSE and assets/NOTICE) is embedded in the binary and inlined into
// every page. go-echarts' own Render points a <script src> at a CDN, which
// leaves charts blank offline; this package never uses it.
//
// # Charts
//
//   - GroupedBar: one group per category (language pair), one bar per series
//     (system), optional error bars (e.g. std over seeds).
//   - LineCurves: curves over a numeric x (training step, bitext pairs with
//     LogX); curves of one Group share a colour and differ in dash.
//   - Heatmap: a matrix with row and column labels (an OT plan between query
//     and document tokens), first row on top, colour scale over finite values.
//   - ParallelCoordinates: one polyline per row (run) across numeric (linear
//     or log) or categorical axes; each row is a legend entry, since ECharts 5
//     has no tooltips on parallel lines.
//   - Scatter: points in named groups, each point with an optional label.
//
// Every chart has a title, axis names (pass units in them, e.g. "loss (nats)"),
// a legend where there are several series, and tooltips (parallel lines
// excepted). A Chart renders its go-echarts configuration on every call, so
// render one Chart from one goroutine at a time.
//
// # Output
//
// Chart.WriteHTML and Chart.SaveHTML write a standalone page; Page puts
// several charts on one page with the library inlined once. Chart.InlineHTML
// returns a fragment for notebooks and Display sends it to the current GoNB
// cell. A fragment carries the library too (a saved notebook must render on
// its own) but runs it only if window.echarts is not yet defined, and hides
// window.define (and shadows define, module, exports) while it runs: with
// require.js on the page (Jupyter, nbconvert HTML) the UMD bundle would
// otherwise register as an AMD module and charts fail with "echarts is not
// defined". Chart scripts wait up to 5 s for their <div> to be attached and
// sized, since notebook front-ends run output scripts before layout. Element
// ids are random, so charts from different cells never collide.
//
// # Escaping
//
// go-echarts' Render and RenderSnippet write the option with HTML escaping
// turned off, so a label containing "</script>" would end the script; this
// package therefore takes go-echarts' option map (JSON()) and encodes it itself.
// User text (titles, axis names, run names, tokens, queries) reaches the page
// only as JSON data encoded by encoding/json with HTML escaping, so '<', '>'
// and '&' appear as \u003c, \u003e, \u0026 and cannot end a <script>; the
// page <title> is HTML-escaped. Tooltips that this package formats (the
// JavaScript function sources in js.go, constants that never contain user
// text) pass every string through echarts.format.encodeHTML. Functions are
// kept out of the JSON as random placeholder strings and substituted after
// encoding; Chart.OptionJSON returns the option as valid JSON with each
// function as a string holding its source.
//
// # Errors
//
// Builders do not panic on bad input. The returned Chart carries an error
// (Chart.Err) wrapping ErrNoData, ErrShape or ErrValue with the builder and
// the parameter at fault (e.g. `Heatmap: values[0] has 1 columns, want 2`);
// WriteHTML returns it and InlineHTML renders it as an escaped message. NaN
// values are drawn as missing ("-" in the option) where that makes sense
// (bars, line points, heatmap cells, numeric parallel values).
//
// # Tests
//
// Unit tests check the HTML (library inlined once, no script src, no remote
// URL in generated markup, escaped labels) and the option JSON. Headless
// Chromium tests screenshot every chart and check that it is not blank; they
// skip when chromium is not on PATH unless CI=true. `go test -run
// ChromiumReadme -update` rewrites testdata/grouped_bar.png, the README image;
// OTCLIR_PLOTS_PNG_DIR=DIR keeps the screenshots of every sample chart in DIR.
package plots
