package displaytext

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want string // part of the reason; "" when the text may show
	}{
		{"Boarding now", ""},
		{"Größe ünïcode 東京 🙂 مرحبا", ""},
		{"mixed \u200fRLM\u200e LRM \u061c ALM", ""}, // marks reorder nothing
		{"", ""},
		{"nul \x00 inside", "control characters (U+0000 at character 5)"},
		{"\x1b[2J cleared", "control characters (U+001B"},
		{"tab\there", "control characters (U+0009"},
		{"two\nlines", "control characters (U+000A"},
		{"del \x7f", "control characters (U+007F"},
		{"c1 \u0085 next line", "control characters (U+0085"},
		{"\u202eevil", "bidirectional override or isolate characters (U+202E at character 1)"},
		{"a\u202ab", "bidirectional override or isolate characters (U+202A"},
		{"iso \u2066x\u2069", "bidirectional override or isolate characters (U+2066"},
		{"fsi \u2068", "bidirectional override or isolate characters (U+2068"},
		{"bad \xff byte", "must be valid UTF-8"},
	} {
		got := Problem(tc.text)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Problem(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"text":"ok","author":"é"}`, nil},
		{"{\"text\":\"\xff\"}", []string{"text"}},
		{"{\"author\":\"x\",\"text\":\"ab\xc3\"}", []string{"text"}},
		{"{\"text\":\"a\\\"\xff\",\"author\":\"\xed\xa0\x80\"}", []string{"text", "author"}}, // CESU surrogate bytes
		{`{"text":"\ud800"}`, []string{"text"}},
		{`{"text":"\udc00x"}`, []string{"text"}},
		{`{"text":"\ud800\u0041"}`, []string{"text"}},
		{`{"text":"\ud800\n"}`, []string{"text"}},
		{`{"text":"\ud83d\ude00 fine"}`, nil},
		{`{"text":"\uFFFD spelled"}`, nil},
		{`{"n":1,"o":{"x":"\ud800"},"a":["\ud800"],"text":"\ud800"}`, []string{"text"}}, // top-level members only
		{`{"\u0074ext":"\ud800"}`, []string{"text"}},
		{`[ "\ud800" ]`, nil},
		{`{"text":"\ud800`, nil}, // malformed: decoding reports it
		{``, nil},
	} {
		if got := InvalidUTF8([]byte(tc.body)); !slices.Equal(got, tc.want) {
			t.Errorf("InvalidUTF8(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// FuzzInvalidUTF8 checks InvalidUTF8 against encoding/json on any object:
// a string member whose bytes as sent are not valid UTF-8 is always
// reported, and one that is valid and decodes without a U+FFFD it did not
// spell is never reported.
func FuzzInvalidUTF8(f *testing.F) {
	for _, s := range []string{`{"text":"ok"}`, "{\"text\":\"\xff\"}", `{"text":"\ud800"}`, `{"a":{"b":"\ud800"},"text":"\ud83d\ude00"}`, `{"t":"\"\\"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var members map[string]json.RawMessage
		if json.Unmarshal(body, &members) != nil {
			return
		}
		reported := InvalidUTF8(body)
		for name, raw := range members {
			var s string
			if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
				continue
			}
			if strings.Count(string(body), `"`+name+`"`) != 1 {
				continue // a repeated or escaped name: the last one wins in the map
			}
			invalidBytes := !utf8.Valid(raw)
			spelled := strings.Contains(string(raw), "\uFFFD") || strings.Contains(strings.ToLower(string(raw)), `\ufffd`)
			hidden := strings.ContainsRune(s, utf8.RuneError) && !spelled
			switch {
			case invalidBytes && !slices.Contains(reported, name):
				t.Fatalf("member %q holds invalid UTF-8 %q; not reported (%q)", name, raw, reported)
			case !invalidBytes && !hidden && slices.Contains(reported, name):
				t.Fatalf("member %q = %q is valid; reported", name, raw)
			}
		}
	})
}
