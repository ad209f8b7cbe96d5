// otclir tracker UI: live curves of a RUNNING run. The run page carries
// <div id="live" data-url data-after data-period>; this polls the JSON
// endpoint (points logged after the last one seen) and appends them to the
// run's charts. Text reaches the page only through textContent.
(function () {
  "use strict";
  function fmt(v) {
    return (typeof v === "number" && isFinite(v)) ? String(Number(v.toPrecision(4))) : String(v);
  }
  function start() {
    var live = document.getElementById("live");
    if (!live) { return; }
    var url = live.getAttribute("data-url");
    var after = Number(live.getAttribute("data-after")) || 0;
    var period = Number(live.getAttribute("data-period")) || 2000;
    var status = document.getElementById("live-status");
    function box(key) {
      var boxes = document.querySelectorAll(".metric-chart");
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].getAttribute("data-key") === key) { return boxes[i]; }
      }
      return null;
    }
    function chartOf(b) {
      var el = b.querySelector(".otclir-chart");
      return (el && typeof window.echarts !== "undefined") ? window.echarts.getInstanceByDom(el) : null;
    }
    // apply returns "reload" (a new metric or the run ended), "wait" (a
    // chart is not drawn yet: poll the same points again) or "ok".
    function apply(d) {
      var keys = Object.keys(d.points);
      for (var i = 0; i < keys.length; i++) {
        var b = box(keys[i]);
        if (!b) { return "reload"; }
        if (!chartOf(b)) { return "wait"; }
      }
      keys.forEach(function (key) {
        var pts = d.points[key];
        var b = box(key);
        var chart = chartOf(b);
        var data = (chart.getOption().series[0].data || []).concat(pts);
        data.sort(function (x, y) { return x[0] - y[0]; });
        chart.setOption({series: [{data: data}]});
        var last = pts[pts.length - 1];
        var latest = b.querySelector(".latest");
        if (latest) { latest.textContent = "step " + last[0] + ": " + fmt(last[1]); }
        var count = b.querySelector(".points");
        if (count) { count.textContent = String(Number(count.textContent) + pts.length); }
      });
      after = d.after;
      live.setAttribute("data-after", String(after));
      if (status) { status.textContent = d.status; }
      return d.status === "RUNNING" ? "ok" : "reload";
    }
    function poll() {
      fetch(url + "?after=" + after, {cache: "no-store", headers: {"Accept": "application/json"}})
        .then(function (r) {
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (d) {
          var next = apply(d);
          if (next === "reload") { window.location.reload(); return; }
          setTimeout(poll, (next === "ok" && d.truncated) ? 0 : period);
        })
        .catch(function (e) {
          live.setAttribute("data-error", String(e));
          setTimeout(poll, period * 5);
        });
    }
    setTimeout(poll, period);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
