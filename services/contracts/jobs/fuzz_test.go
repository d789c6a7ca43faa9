package jobs

import (
	"encoding/json"
	"testing"
)

// Any body either decodes and validates to field errors or is accepted as
// a job whose payload decodes for its type: never a panic.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"type":"work.simulate","payload":{"sleepMs":5}}`,
		`{"type":"banner.message","payload":{"bannerId":"gate-1","text":"hi","queue":true},"idempotencyKey":"k-1"}`,
		`{"type":"banner.message","payload":{"bannerId":"Gate 1","text":""}}`,
		`{"type":`, `[]`, `null`, `{"payload":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Request
		if fe := DecodeStrict(body, &r, ""); fe != nil {
			if fe.Field == "" || fe.Reason == "" {
				t.Fatalf("field error without field or reason: %+v", fe)
			}
			return
		}
		errs := r.Validate(DefaultLimits)
		for _, e := range errs {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("validation error without field or reason: %+v", e)
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

// Any message body a consumer receives is either a job or not; decoding
// never panics.
func FuzzMessage(f *testing.F) {
	f.Add([]byte(`{"id":"1","type":"work.simulate","payload":{},"enqueuedAt":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var m Message
		_ = json.Unmarshal(body, &m)
	})
}
