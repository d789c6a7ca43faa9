package jobs

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/airdisplay/platform/services/contracts/displaytext"
)

// requestOutcomes is the expected outcome of known bodies: "" accepted,
// otherwise the first field the refusal must name.
var requestOutcomes = map[string]string{
	`{"type":"work.simulate","payload":{"sleepMs":5}}`:                                                          "",
	`{"type":"banner.message","payload":{"bannerId":"gate-1","text":"hi","queue":true},"idempotencyKey":"k-1"}`: "",
	`{"type":"banner.message","payload":{"bannerId":"Gate 1","text":""}}`:                                       "payload.bannerId",
	`{"type":`:        "body",
	`[]`:              "body",
	`null`:            "payload",
	`{"payload":"x"}`: "type",
	`{"type":"banner.message","payload":{"bannerId":"g","text":"\u001b]0;pwned\u0007"}}`:  "payload.text",
	`{"type":"banner.message","payload":{"bannerId":"g","text":"x\u202ecod.exe"}}`:        "payload.text",
	`{"type":"banner.message","payload":{"bannerId":"g","text":"ok","author":"\u2067x"}}`: "payload.author",
	"{\"type\":\"banner.message\",\"payload\":{\"bannerId\":\"g\",\"text\":\"\xff\"}}":    "payload.text",
	`{"type":"banner.message","payload":{"bannerId":"g","text":"\udbff"}}`:                "payload.text",
	`{"type":"work.simulate","payload":{"sleepMs":-1}}`:                                   "payload.sleepMs",
}

// FuzzRequest drives the producer's decoding and validation of a job
// request: every refusal names a field and a reason, a known body gets
// its expected outcome, and what is accepted is a job of a known type
// whose payload decodes, with banner text that can be shown and was valid
// UTF-8 as sent.
func FuzzRequest(f *testing.F) {
	for body := range requestOutcomes {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Request
		var errs []FieldError
		if fe := DecodeStrict(body, &r, ""); fe != nil {
			errs = []FieldError{*fe}
		} else {
			errs = r.Validate(DefaultLimits)
		}
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("error without field or reason: %+v", e)
			}
		}
		if want, known := requestOutcomes[string(body)]; known {
			switch {
			case want == "" && len(errs) > 0:
				t.Fatalf("%q refused (%+v), want accepted", body, errs)
			case want != "" && (len(errs) == 0 || errs[0].Field != want):
				t.Fatalf("%q: errors %+v, want the first naming %q", body, errs, want)
			}
		}
		if len(errs) > 0 {
			return
		}
		switch r.Type {
		case TypeBannerMessage:
			var p BannerMessagePayload
			if err := json.Unmarshal(r.Payload, &p); err != nil {
				t.Fatalf("accepted banner payload does not decode: %v", err)
			}
			if !utf8.Valid(r.Payload) {
				t.Fatalf("accepted a payload that is not valid UTF-8: %q", r.Payload)
			}
			for _, s := range []string{p.Text, p.Author} {
				if pr := displaytext.Problem(s); pr != "" {
					t.Fatalf("accepted banner text %q: %s", s, pr)
				}
			}
		case TypeWorkSimulate:
			var p WorkSimulatePayload
			if err := json.Unmarshal(r.Payload, &p); err != nil {
				t.Fatalf("accepted work payload does not decode: %v", err)
			}
		default:
			t.Fatalf("accepted unknown type %q", r.Type)
		}
	})
}

// messageOutcomes: known queue messages and whether they are jobs.
var messageOutcomes = map[string]bool{
	`{"id":"1","type":"work.simulate","payload":{},"enqueuedAt":"2026-01-01T00:00:00Z"}`:            true,
	`{"id":"1","type":"banner.message","payload":{"bannerId":"g","text":"x"},"traceparent":"00-x"}`: true,
	`not json`:                         false,
	`{"id":"","type":"work.simulate"}`: false,
	`{"id":"1"}`:                       false,
	`{"id":1,"type":"work.simulate"}`:  false,
	`[]`:                               false,
}

// FuzzMessage drives DecodeMessage, which the consumer runs on every
// delivery: a known message gets its expected outcome, and what is
// accepted has the id and type a job record needs.
func FuzzMessage(f *testing.F) {
	for body := range messageOutcomes {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeMessage(body)
		if want, known := messageOutcomes[string(body)]; known && want != (err == nil) {
			t.Fatalf("%q: accepted %v, want %v (%v)", body, err == nil, want, err)
		}
		if err == nil && (m.ID == "" || m.Type == "") {
			t.Fatalf("accepted %q without id or type", body)
		}
	})
}
