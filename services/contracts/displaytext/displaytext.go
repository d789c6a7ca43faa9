// Package displaytext decides what text may be shown on a banner: text a
// person typed, without the characters that would let it act on the
// screen or on a terminal that prints it. It refuses
//
//   - control characters (Unicode category Cc: C0, DEL and C1, so NUL, ESC
//     and the terminal escape sequences ESC starts, and also tab and line
//     breaks: a banner shows one line);
//   - bidirectional embedding, override and isolate characters (U+202A to
//     U+202E, U+2066 to U+2069), which reorder the text around them
//     ("Trojan Source"); the marks LRM, RLM and ALM, which reorder nothing,
//     are allowed;
//   - invalid UTF-8, which encoding/json would otherwise replace with
//     U+FFFD without a word: JSONStrings finds it in the raw request before
//     decoding hides it.
package displaytext

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Problem says why s cannot be shown, or returns "" when it can.
func Problem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return fmt.Sprintf("must not contain control characters (U+%04X at character %d)", r, n)
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			return fmt.Sprintf("must not contain bidirectional override or isolate characters (U+%04X at character %d)", r, n)
		}
	}
	return ""
}

// InvalidUTF8 lists the members of the JSON object raw whose string value
// is not valid Unicode as sent: invalid UTF-8 bytes, or a \u escape of a
// lone UTF-16 surrogate. encoding/json decodes both to U+FFFD silently.
// Member names are returned decoded; a body that is not an object (or not
// JSON) yields none, since decoding reports that.
func InvalidUTF8(raw []byte) []string {
	var bad []string
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return bad
		}
		keyStart := i
		end, _, ok := scanString(raw, i)
		if !ok {
			return bad
		}
		var key string
		if json.Unmarshal(raw[keyStart:end], &key) != nil {
			return bad
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return bad
		}
		i = skipSpace(raw, i+1)
		if i < len(raw) && raw[i] == '"' {
			end, valid, ok := scanString(raw, i)
			if !ok {
				return bad
			}
			if !valid {
				bad = append(bad, key)
			}
			i = end
		} else {
			var ok bool
			if i, ok = skipValue(raw, i); !ok {
				return bad
			}
		}
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != ',' {
			return bad
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] == '"'. It returns the
// index after its closing quote, whether its content is valid Unicode, and
// whether the string was closed at all.
func scanString(b []byte, i int) (end int, valid, ok bool) {
	valid = true
	i++
	pendingHigh := false // a \u escape of a high surrogate awaits its low half
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			if pendingHigh {
				valid = false
			}
			return i + 1, valid, true
		case c == '\\':
			if i+1 >= len(b) {
				return i, false, false
			}
			if b[i+1] != 'u' {
				if pendingHigh {
					valid = false
					pendingHigh = false
				}
				i += 2
				continue
			}
			if i+6 > len(b) {
				return i, false, false
			}
			v, hexOK := hex4(b[i+2 : i+6])
			if !hexOK {
				return i, false, false
			}
			switch {
			case v >= 0xd800 && v < 0xdc00:
				if pendingHigh {
					valid = false
				}
				pendingHigh = true
			case v >= 0xdc00 && v < 0xe000:
				if !pendingHigh {
					valid = false
				}
				pendingHigh = false
			default:
				if pendingHigh {
					valid = false
				}
				pendingHigh = false
			}
			i += 6
		case c < utf8.RuneSelf:
			if pendingHigh {
				valid = false
				pendingHigh = false
			}
			i++
		default:
			if pendingHigh {
				valid = false
				pendingHigh = false
			}
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				valid = false
			}
			i += size
		}
	}
	return i, false, false
}

func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			v |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			v |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// skipValue skips one JSON value that is not a string (object, array,
// number, literal), tracking nesting and the strings inside it.
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			end, _, ok := scanString(b, i)
			if !ok {
				return i, false
			}
			i = end
			if depth == 0 {
				return i, true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, true // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case ',':
			if depth == 0 {
				return i, true
			}
		}
		i++
	}
	return i, depth == 0
}
