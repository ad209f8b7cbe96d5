package tracker

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest experiment (or other path-forming) name, in
// bytes: well under the 255-byte file-name limit of common file systems.
const MaxNameLen = 128

// ValidateName checks a name that becomes a file or folder name (an
// experiment's artifacts folder, a chart file): non-empty, valid UTF-8, at
// most MaxNameLen bytes, no path separators, not "." or "..", no leading
// dot or dash, and no control, format (zero-width, bidi) or space-like
// characters other than the ASCII space. what names the setting in the
// error ("experiment", "-experiment", ...). Names read back from a
// database must pass it before they are used as paths.
func ValidateName(what, name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: %s name %q %s", ErrInvalidArgument, what, name, why)
	}
	switch {
	case name == "":
		return bad("is empty")
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	case len(name) > MaxNameLen:
		return bad(fmt.Sprintf("is longer than %d bytes", MaxNameLen))
	case name == "." || name == "..":
		return bad("is a relative path")
	case name[0] == '.' || name[0] == '-':
		return bad("starts with '.' or '-'")
	case name[len(name)-1] == ' ' || name[0] == ' ':
		return bad("starts or ends with a space")
	}
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			return bad("contains a path separator")
		case r == ' ':
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.IsSpace(r):
			return bad(fmt.Sprintf("contains the character %U", r))
		case !unicode.IsPrint(r):
			return bad(fmt.Sprintf("contains the unprintable character %U", r))
		}
	}
	return nil
}
