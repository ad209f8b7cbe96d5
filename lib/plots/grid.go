package plots

import (
	"fmt"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// GridHTML returns one notebook fragment that lays charts out in a grid of
// columns equal-width columns, filled row by row: e.g. the same heatmap at
// several parameter values side by side (columns = 3), or large heatmaps one
// below the other (columns = 1). Unlike one InlineHTML per chart, it carries
// the ECharts library (~1 MB) once. A chart with an error renders as its
// error message in its place; no charts, or columns < 1, render as an error
// message.
func GridHTML(columns int, charts ...*Chart) string {
	switch {
	case len(charts) == 0:
		return errorHTML(fmt.Errorf("%w: empty chart grid", ErrNoData))
	case columns < 1:
		return errorHTML(fmt.Errorf("%w: chart grid with %d columns (want >= 1)", ErrValue, columns))
	}
	var sb strings.Builder
	var scripts []string
	fmt.Fprintf(&sb, "<div class=\"otclir-chart-grid\" style=\"display:grid;grid-template-columns:repeat(%d,minmax(0,1fr));gap:8px;align-items:start;\">\n", columns)
	for _, c := range charts {
		sb.WriteString("<div style=\"min-width:0;\">\n")
		id := chartID()
		if err := c.Err(); err != nil {
			sb.WriteString(errorHTML(err))
		} else if s, err := c.script(id); err != nil {
			sb.WriteString(errorHTML(err))
		} else {
			sb.WriteString(c.element(id))
			scripts = append(scripts, s)
		}
		sb.WriteString("</div>\n")
	}
	sb.WriteString("</div>\n")
	if len(scripts) > 0 {
		sb.WriteString(echartsLoader())
		for _, s := range scripts {
			sb.WriteString(s)
		}
	}
	return sb.String()
}

// DisplayGrid shows charts in a grid (GridHTML) as the output of the current
// GoNB notebook cell and waits until GoNB has received it (gonbui.Sync): a
// cell program that exits right after sending a ~1 MB output can otherwise
// lose it. Outside GoNB it does nothing.
func DisplayGrid(columns int, charts ...*Chart) {
	gonbui.DisplayHTML(GridHTML(columns, charts...))
	gonbui.Sync()
}
