package banners

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/airdisplay/platform/services/contracts/displaytext"
)

// postOutcomes is the expected outcome of known bodies: "" accepted,
// otherwise the field the refusal must name. The fuzz target checks every
// input that is one of them, so each seed has an outcome that can fail.
var postOutcomes = map[string]string{
	`{"text":"hello"}`: "",
	`{"text":"Boarding 東京 🙂","author":"gate agent"}`:        "",
	`{"text":"<script>x</script>","author":"a","id":"m-1"}`: "",
	`{"text":"","queue":true}`:                              "text",
	`{`:                                                     "body",
	`{"text":"hi","colour":"red"}`:                          "colour",
	`{"text":"\u0000"}`:                                     "text",
	`{"text":"\u001b[2Jwiped"}`:                             "text",
	`{"text":"line\nbreak"}`:                                "text",
	`{"text":"\u202etxt.exe"}`:                              "text",
	`{"text":"ok","author":"\u2066x\u2069"}`:                "author",
	"{\"text\":\"\xff\xfe\"}":                               "text",
	"{\"text\":\"ok\",\"author\":\"\xc3\"}":                 "author",
	`{"text":"\ud800"}`:                                     "text",
	`{"TEXT":"\udc00"}`:                                     "text",
	`{"text":"` + strings.Repeat("é", 281) + `"}`:           "text",
	`{"text":"ok","id":"a b"}`:                              "id",
}

// FuzzPost drives DecodePost, the decoding and checks every direct post
// goes through. Every refusal names a field and a reason; a known body
// gets its expected outcome; whatever is accepted can be shown: 1 to 280
// characters with no control, bidi override or isolate character, from a
// body that was valid UTF-8 as sent and spelled every U+FFFD it holds.
func FuzzPost(f *testing.F) {
	for body := range postOutcomes {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, errs := DecodePost(body)
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("error without field or reason: %+v", e)
			}
		}
		if want, known := postOutcomes[string(body)]; known {
			switch {
			case want == "" && len(errs) > 0:
				t.Fatalf("%q refused (%+v), want accepted", body, errs)
			case want != "" && (len(errs) == 0 || errs[0].Field != want):
				t.Fatalf("%q: errors %+v, want one naming %q", body, errs, want)
			}
		}
		if len(errs) > 0 {
			return
		}
		n := utf8.RuneCountInString(strings.TrimSpace(p.Text))
		if n == 0 || n > MaxTextRunes {
			t.Fatalf("accepted text of %d characters: %q", n, p.Text)
		}
		for _, s := range []string{p.Text, p.Author} {
			if pr := displaytext.Problem(s); pr != "" {
				t.Fatalf("accepted %q: %s", s, pr)
			}
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not valid UTF-8: %q", body)
		}
		if strings.ContainsRune(p.Text+p.Author, utf8.RuneError) && !strings.Contains(strings.ToLower(string(body)), `\ufffd`) && !strings.ContainsRune(string(body), utf8.RuneError) {
			t.Fatalf("accepted a U+FFFD the body never spelled (a lone surrogate): %q", body)
		}
	})
}

// eventOutcomes: known event bodies and whether DecodeEvent accepts them.
var eventOutcomes = map[string]bool{
	`{"type":"airdisplay.banner.updated.v1","bannerId":"g","version":1,"change":"shown","banner":{"id":"g","version":1}}`: true,
	`{"type":"airdisplay.banner.updated.v2","bannerId":"g","version":1,"banner":{"id":"g","version":1}}`:                  false,
	`{"type":"airdisplay.banner.updated.v1","bannerId":"g","version":0,"banner":{"id":"g"}}`:                              false,
	`{"type":"airdisplay.banner.updated.v1","bannerId":"G!","version":1,"banner":{"id":"G!","version":1}}`:                false,
	`{"type":"airdisplay.banner.updated.v1","bannerId":"g","version":2,"banner":{"id":"h","version":2}}`:                  false,
	`{"type":"airdisplay.banner.updated.v1","bannerId":"g","version":1,"banner":{"id":"g","version":1},"x":1}`:            false,
	`not json`: false,
}

// FuzzEvent drives DecodeEvent, which the realtime hub runs on every
// banner-updated event before pushing it to browsers: a known body gets
// its expected outcome, and whatever is accepted is an event of this
// version about one valid banner whose view is that banner's at that
// version.
func FuzzEvent(f *testing.F) {
	for body := range eventOutcomes {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, fe := DecodeEvent(body)
		if fe != nil && (fe.Field == "" || fe.Reason == "") {
			t.Fatalf("error without field or reason: %+v", fe)
		}
		if want, known := eventOutcomes[string(body)]; known && want != (fe == nil) {
			t.Fatalf("%q: accepted %v, want %v (%v)", body, fe == nil, want, fe)
		}
		if fe != nil {
			return
		}
		if ev.Type != EventType || ev.Version <= 0 || ev.Banner.ID != ev.BannerID || ev.Banner.Version != ev.Version || !validID(ev.BannerID) {
			t.Fatalf("accepted %q as %+v", body, ev)
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("accepted event does not encode: %v", err)
		}
	})
}
