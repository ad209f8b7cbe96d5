package plots

import (
	"html"
	"strings"
)

// EChartsJS returns the embedded ECharts library, for a server that serves
// it once as a static file (with a <script src> on its own origin) instead
// of inlining it into every page.
func EChartsJS() string { return echartsJS }

// Fragment returns the chart's <div> and drawing script without the
// library, for pages that load EChartsJS themselves. When nonce is not
// empty it becomes the script's nonce attribute, so the chart runs under a
// Content-Security-Policy that allows only scripts carrying that nonce. The
// chart's container has the class "otclir-chart"; a page finds the drawn
// chart with echarts.getInstanceByDom. A chart with an error renders as the
// escaped error message.
func (c *Chart) Fragment(nonce string) string {
	if err := c.Err(); err != nil {
		return errorHTML(err)
	}
	id := chartID()
	s, err := c.script(id)
	if err != nil {
		return errorHTML(err)
	}
	if nonce != "" {
		s = strings.Replace(s, "<script ", "<script nonce=\""+html.EscapeString(nonce)+"\" ", 1)
	}
	return c.element(id) + s
}
