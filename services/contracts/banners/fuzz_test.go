package banners

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// A post either fails validation with a field and a reason or holds text
// a banner can show.
func FuzzPost(f *testing.F) {
	for _, s := range []string{`{"text":"hello"}`, `{"text":"","queue":true}`, `{"text":"<script>x</script>","author":"a","id":"m-1"}`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p Post
		if json.Unmarshal(body, &p) != nil {
			return
		}
		errs := p.Validate()
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("error without field or reason: %+v", e)
			}
		}
		if len(errs) == 0 && (!utf8.ValidString(p.Text) || utf8.RuneCountInString(p.Text) > MaxTextRunes) {
			t.Fatalf("accepted text %q", p.Text)
		}
	})
}

// Any event decodes or not; never a panic.
func FuzzEvent(f *testing.F) {
	f.Add([]byte(`{"type":"airdisplay.banner.updated.v1","bannerId":"g","version":1,"banner":{"id":"g"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var e Event
		_ = json.Unmarshal(body, &e)
	})
}
