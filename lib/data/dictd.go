package data

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// DictdDir is where Debian's dictd databases are installed, relative to
// the system root.
const DictdDir = "usr/share/dictd"

// DictdEntry is one article of a dictd database: the headword of its first
// index line and its text, as the dict server would send it.
type DictdEntry struct {
	Headword string // as in the index (FreeDict indexes are lower case)
	Offset   int    // byte offset in the decompressed .dict
	Body     string
}

// dictdB64 is the digit alphabet of dictd index offsets and lengths:
// numbers in base 64 with the digits of RFC 4648 base64, most significant
// first (dictfmt(1), "b64_encode"), e.g. "B2" = 1*64+54 = 118.
const dictdB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// ParseDictdNumber decodes one offset or length of a dictd index.
func ParseDictdNumber(s string) (int, error) {
	if s == "" || len(s) > 8 {
		return 0, fmt.Errorf("dictd number %q: want 1 to 8 base-64 digits", s)
	}
	v := 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(dictdB64, s[i])
		if d < 0 {
			return 0, fmt.Errorf("dictd number %q: %q is not a base-64 digit", s, s[i])
		}
		v = v*64 + d
	}
	return v, nil
}

// ReadDictd reads the dictd database name (e.g. "freedict-swh-eng") of pkg
// under root: DictdDir/name.index (lines "headword<TAB>offset<TAB>length",
// optionally a fourth field) and DictdDir/name.dict.dz (dictzip, read here
// as plain gzip). Both files are checked against pkg's pins. Entries come
// in offset order, one per article: index lines pointing at the same
// article (FreeDict indexes an entry under several spellings) give one
// entry, with the first line's headword. Lines whose headword starts with
// "00database" or "00-" (the database's own information:
// "00databaseinfo", "00-database-info", "00-gcide-short") are
// skipped. A malformed line or an article outside the .dict, or one that
// is not UTF-8, is ErrMalformed naming the index file and line.
func ReadDictd(pkg DebianPackage, root, name string) ([]DictdEntry, error) {
	indexRel := DictdDir + "/" + name + ".index"
	dictRel := DictdDir + "/" + name + ".dict.dz"
	index, err := pkg.ReadFile(root, indexRel)
	if err != nil {
		return nil, err
	}
	dz, err := pkg.ReadFile(root, dictRel)
	if err != nil {
		return nil, err
	}
	body, err := gunzip(dz, root+"/"+dictRel)
	if err != nil {
		return nil, err
	}
	return parseDictd(index, body, root+"/"+indexRel, pkg.Name == GCIDEPackage.Name)
}

// parseDictd splits body into the articles of index. With cp1252, bytes
// that are not UTF-8 are read as Windows-1252 (9 articles of GCIDE 0.48.5
// hold such bytes: "The stock market\x92s drop"); else they are an error.
func parseDictd(index []byte, bodyBytes []byte, indexName string, cp1252 bool) ([]DictdEntry, error) {
	body := string(bodyBytes) // one copy; articles are substrings of it
	seen := map[int]bool{}
	var out []DictdEntry
	lines := strings.Split(string(index), "\n")
	for i, line := range lines {
		n := i + 1
		if line == "" {
			if i == len(lines)-1 {
				break
			}
			return nil, fmt.Errorf("%w: %s:%d: empty line", ErrMalformed, indexName, n)
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 && len(f) != 4 {
			return nil, fmt.Errorf("%w: %s:%d: %d tab-separated fields, want 3 or 4", ErrMalformed, indexName, n, len(f))
		}
		off, err := ParseDictdNumber(f[1])
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: offset: %v", ErrMalformed, indexName, n, err)
		}
		size, err := ParseDictdNumber(f[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: length: %v", ErrMalformed, indexName, n, err)
		}
		if off+size > len(body) {
			return nil, fmt.Errorf("%w: %s:%d: article at %d+%d ends past the %d bytes of the .dict", ErrMalformed, indexName, n, off, size, len(body))
		}
		if strings.HasPrefix(f[0], "00database") || strings.HasPrefix(f[0], "00-") || seen[off] {
			continue
		}
		seen[off] = true
		b := body[off : off+size]
		if !utf8.ValidString(b) && cp1252 {
			b = fixCP1252(b)
		}
		if !utf8.ValidString(b) {
			return nil, fmt.Errorf("%w: %s:%d: article of %q is not UTF-8", ErrMalformed, indexName, n, f[0])
		}
		out = append(out, DictdEntry{Headword: f[0], Offset: off, Body: b})
	}
	if !slices.IsSortedFunc(out, cmpOffset) {
		slices.SortStableFunc(out, cmpOffset)
	}
	return out, nil
}

func cmpOffset(a, b DictdEntry) int { return a.Offset - b.Offset }

// fixCP1252 decodes the bytes of s that are not UTF-8 as Windows-1252.
func fixCP1252(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(charmap.Windows1252.DecodeByte(s[i]))
		} else {
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	return sb.String()
}
