package plots

import (
	_ "embed"
)

// EChartsVersion is the version of the Apache ECharts build embedded in
// assets/echarts.min.js (dist/echarts.min.js of the npm package echarts@5.6.0;
// Apache-2.0, see assets/LICENSE, assets/NOTICE and assets/LICENSE-d3).
const EChartsVersion = "5.6.0"

// echartsJS is the minified ECharts library, inlined into every page so that
// charts render with no network access.
//
//go:embed assets/echarts.min.js
var echartsJS string
