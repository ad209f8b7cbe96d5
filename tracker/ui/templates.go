package ui

import (
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/ui.js
var uiJS []byte

//go:embed static/ui.css
var uiCSS []byte

// pageNames are the page templates; each defines "content" inside layout.html.
var pageNames = []string{"error.html", "experiments.html", "experiment.html", "runs.html", "run.html", "compare.html"}

var funcs = template.FuncMap{
	"fmtTime":           func(t time.Time) string { return fmtTime(t) },
	"experimentURL":     func(name string) string { return "/experiments/" + url.PathEscape(name) },
	"experimentRunsURL": func(name string) string { return RunsURL(ExperimentFilter(name), "") },
	"markerClass": func(m string) string {
		switch m {
		case "▲":
			return "sig-up"
		case "▼":
			return "sig-down"
		}
		return "sig-dagger"
	},
}

// parsePages parses every page with the layout. html/template escapes
// every value by its context (text, attribute, URL); the only unescaped
// values are chart fragments from lib/plots, which encode user text as
// JSON with HTML escaping.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("ui: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("ui: templates: %w", err)
		}
		if pages[name], err = t.ParseFS(templateFS, "templates/"+name); err != nil {
			return nil, fmt.Errorf("ui: templates: %s: %w", name, err)
		}
	}
	return pages, nil
}
