// Package filter parses the run-search language of package tracker and
// compiles it to a parameterised SQL condition over the tracker schema.
//
// The language follows MLflow's search syntax:
//
//	params.pair = "swh-eng" and metrics.map > 0.2 and status = "FINISHED"
//	tags.x != 'y' or (attributes.name LIKE "ot%" and params.lang IN ("swh", "som"))
//
// Grammar (keywords are case-insensitive):
//
//	expr       = and { "or" and }
//	and        = unary { "and" unary }
//	unary      = "not" unary | "(" expr ")" | comparison
//	comparison = field op value
//	           | field ["not"] "in" "(" value { "," value } ")"
//	           | field ["not"] ("like" | "ilike") string
//	           | field "is" ["not"] "null"
//	op         = "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	field      = ("params" | "tags" | "metrics") "." key | ["attributes" "."] attribute
//	value      = string | number
//
// A key is a run of letters, digits and the characters _ - . / : (so
// params.lr.warmup names the key "lr.warmup"), or a quoted string or a
// backquoted name for anything else: params."odd key", tags.`x y`.
// Strings use single or double quotes; a quote is escaped by doubling it or
// with a backslash, \\ is a backslash, and other backslashes are kept so
// that in LIKE patterns \% and \_ match a literal % and _. The singular
// prefixes param, tag, metric, attribute and attr are accepted too.
//
// LIKE is case-sensitive (it compiles to SQLite GLOB, or LIKE on
// PostgreSQL); ILIKE ignores ASCII case only, on both.
//
// Fields:
//   - params.K and tags.K are the run's string parameter and tag K. Compared
//     with a number they are cast to REAL first, so params.lr < 0.01 is numeric.
//   - metrics.K is the final metric K (tracker.Run.SetFinalMetrics), falling
//     back to the latest logged value of K. Metrics compare with numbers only.
//   - attributes are the run's columns: id, name, experiment, status, start,
//     end, heartbeat, error, git_commit, git_dirty, diff_hash, host,
//     go_version, gomlx_version, backend, config_hash. Times are stored as
//     fixed-width UTC text ("2006-01-02T15:04:05.000000000Z") so
//     start > "2026-11-01" compares as expected.
//
// OrderBy sorts params and tags as text (so "10" sorts before "9");
// metrics and numeric attributes sort as numbers.
//
// A comparison against a missing param, tag or metric is NULL in SQL, so the
// run does not match either "=" or "!="; use "is null" to find such runs.
//
// Values never enter the SQL text: every literal and key becomes a "?"
// argument. Field names outside the lists above are rejected, and every
// error is a *SyntaxError that carries the byte offset of the problem.
//
// The compiled SQL refers to the runs table as r and the experiments table
// as e; package tracker owns that schema. A Dialect compiles for SQLite
// (Where, OrderBy and SQL are SQLite's) or PostgreSQL; a filter selects the
// same runs in the same order on both (see Dialect).
package filter
