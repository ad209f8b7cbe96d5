package plots

// JavaScript function sources referenced from options (see Chart.fn). They are
// constants: user text reaches the page only as JSON data, encoded with HTML
// escaping. They read user text from data items and pass it through
// echarts.format.encodeHTML before it becomes tooltip HTML. A test checks that
// none of them contains "</script" or "<!--".

// tipTooltipJS formats an item tooltip from the plain-text "tip" field of the
// data item (lines separated by "\n"), falling back to the item name.
const tipTooltipJS = `function (p) {
  var enc = window.echarts.format.encodeHTML;
  var d = (p.data !== null && typeof p.data === "object") ? p.data : {};
  var lines = String(d.tip === undefined ? p.name : d.tip).split("\n");
  var out = p.marker + "<b>" + enc(String(p.seriesName)) + "<\/b>";
  for (var i = 0; i !== lines.length; i++) { out += "<br>" + enc(lines[i]); }
  return out;
}`

// barTooltipJS formats the axis tooltip of GroupedBar: the category, then one
// line per bar series with its value and, when present, "± err".
const barTooltipJS = `function (params) {
  var enc = window.echarts.format.encodeHTML;
  var f = function (x) { return (typeof x === "number" && isFinite(x)) ? String(Number(x.toPrecision(4))) : "-"; };
  if (!Array.isArray(params)) { params = [params]; }
  var out = params.length ? enc(String(params[0].name)) : "";
  for (var i = 0; i !== params.length; i++) {
    var p = params[i];
    if (p.seriesType !== "bar") { continue; }
    var d = (p.data !== null && typeof p.data === "object") ? p.data : {value: p.data};
    var s = f(d.value);
    if (typeof d.err === "number") { s += " \u00b1 " + f(d.err); }
    out += "<br>" + p.marker + enc(String(p.seriesName)) + ": <b>" + s + "<\/b>";
  }
  return out;
}`

// errorBarRenderJS draws one error bar of GroupedBar (custom series). A data
// item is [category index, low, high, bar index k, bar count n]. The bar centre
// repeats ECharts' layout of grouped bars with barCategoryGap c and barGap g
// (fractions; see the bar series): usable = band·(1−c), bar width
// w = usable / (n + (n−1)·g), centre_k = axis(cat) − usable/2 + k·w·(1+g) + w/2.
const errorBarRenderJS = `function (params, api) {
  var cat = api.value(0), lo = api.value(1), hi = api.value(2), k = api.value(3), n = api.value(4);
  var band = api.size([1, 0])[0];
  var usable = band * (1 - ` + barCategoryGapFrac + `);
  var w = usable / (n + (n - 1) * ` + barGapFrac + `);
  var x = api.coord([cat, lo])[0] - usable / 2 + k * w * (1 + ` + barGapFrac + `) + w / 2;
  var top = api.coord([cat, hi])[1], bottom = api.coord([cat, lo])[1];
  var half = Math.max(2, w * 0.25);
  var style = {stroke: "#333333", lineWidth: 1.5, fill: null};
  return {type: "group", children: [
    {type: "line", shape: {x1: x - half, y1: top, x2: x + half, y2: top}, style: style},
    {type: "line", shape: {x1: x, y1: top, x2: x, y2: bottom}, style: style},
    {type: "line", shape: {x1: x - half, y1: bottom, x2: x + half, y2: bottom}, style: style}
  ]};
}`

// Bar layout of GroupedBar: the option strings and the same fractions for errorBarRenderJS.
const (
	barGap             = "20%"
	barGapFrac         = "0.2"
	barCategoryGap     = "30%"
	barCategoryGapFrac = "0.3"
)
