package ui

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/otclir/otclir/tracker"
)

// fmtFloat shows a metric with 4 significant digits (NaN as "NaN").
func fmtFloat(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// fmtFull is a metric's full precision (for titles and JSON).
func fmtFull(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < 0:
		return ""
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// elide cuts s to n runes with an ellipsis.
func elide(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func hashBytes(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:8]
}

// statusClass is the CSS class of a run status (a fixed set, never the
// stored text itself).
func statusClass(status string) string {
	switch status {
	case tracker.StatusRunning:
		return "status-running"
	case tracker.StatusFinished:
		return "status-finished"
	case tracker.StatusFailed:
		return "status-failed"
	case tracker.StatusKilled:
		return "status-killed"
	}
	return "status-other"
}

// quoteFilter quotes s as a string of the filter language (package
// tracker/filter): backslashes and double quotes are escaped with a
// backslash, so the parsed value is s exactly.
func quoteFilter(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// isKeyChar mirrors the characters the filter language allows in an
// unquoted key.
func isKeyChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '/' || c == ':'
}

// fieldRef writes prefix.key in the filter language, quoting the key when
// it has characters an unquoted key cannot.
func fieldRef(prefix, key string) string {
	// An unquoted key must start like a name: a digit, '-' or '.' would
	// start a number.
	plain := key != "" && (key[0] == '_' || key[0] >= 'a' && key[0] <= 'z' || key[0] >= 'A' && key[0] <= 'Z')
	for i := 0; i < len(key); i++ {
		plain = plain && isKeyChar(key[i])
	}
	if plain {
		return prefix + "." + key
	}
	return prefix + "." + quoteFilter(key)
}
