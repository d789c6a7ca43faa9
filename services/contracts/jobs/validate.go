package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/airdisplay/platform/services/contracts/displaytext"
)

// FieldError says which field of a request is wrong and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// Limits bound what a request may carry.
type Limits struct {
	MaxPayloadBytes int
	MaxTextRunes    int
}

// DefaultLimits are used unless the producer is configured otherwise.
var DefaultLimits = Limits{MaxPayloadBytes: 64 << 10, MaxTextRunes: 280}

var (
	idemKeyRe  = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	bannerIDRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// ValidBannerID reports whether id can name a banner: lower-case letters,
// digits and inner hyphens, 1 to 63 characters (a DNS label).
func ValidBannerID(id string) bool { return bannerIDRe.MatchString(id) }

// DecodeStrict decodes exactly one JSON value into v, rejecting unknown
// fields and trailing data, and turns decoding errors into field errors.
func DecodeStrict(data []byte, v any, field string) *FieldError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, field)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &FieldError{Field: orRoot(field), Reason: "unexpected data after the JSON value"}
	}
	return nil
}

// DecodeStrictText is DecodeStrict for bodies that carry text: it also
// refuses a string member that is not valid Unicode as sent (invalid UTF-8
// or a lone surrogate escape), which encoding/json would silently turn
// into U+FFFD. The field is named as v's JSON tag names it.
func DecodeStrictText(data []byte, v any, field string) *FieldError {
	if fe := DecodeStrict(data, v, field); fe != nil {
		return fe
	}
	bad := displaytext.InvalidUTF8(data)
	if len(bad) == 0 {
		return nil
	}
	name := jsonName(v, bad[0])
	if field != "" {
		name = field + "." + name
	}
	return &FieldError{Field: name, Reason: "must be valid UTF-8"}
}

// jsonName is the JSON name of v's struct field that name decodes into
// (encoding/json matches names without regard to case).
func jsonName(v any, name string) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return name
	}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == "" {
			tag = t.Field(i).Name
		}
		if strings.EqualFold(tag, name) {
			return tag
		}
	}
	return name
}

func decodeError(err error, field string) *FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		name := typeErr.Field
		if field != "" && name != "" {
			name = field + "." + name
		} else if name == "" {
			name = orRoot(field)
		}
		return &FieldError{Field: name, Reason: fmt.Sprintf("must be %s, not %s", kind(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return &FieldError{Field: orRoot(field), Reason: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}
	case errors.Is(err, io.EOF):
		return &FieldError{Field: orRoot(field), Reason: "is empty; want a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Field: orRoot(field), Reason: "malformed JSON: unexpected end of input"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return &FieldError{Field: orRoot(field), Reason: `has a member with an empty name ""`}
		}
		if field != "" {
			name = field + "." + name
		}
		return &FieldError{Field: name, Reason: "is not a known field"}
	default:
		return &FieldError{Field: orRoot(field), Reason: err.Error()}
	}
}

func kind(k string) string {
	switch k {
	case "int", "int64", "int32":
		return "an integer"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return k
}

func orRoot(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

// Validate checks a request: known type, payload shape for that type,
// sizes. It returns every problem found.
func (r Request) Validate(l Limits) []FieldError {
	var errs []FieldError
	add := func(field, reason string) { errs = append(errs, FieldError{field, reason}) }
	if r.IdempotencyKey != "" && !idemKeyRe.MatchString(r.IdempotencyKey) {
		add("idempotencyKey", "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -")
	}
	switch {
	case len(r.Payload) == 0 || string(r.Payload) == "null":
		add("payload", "is required")
		return errs
	case len(r.Payload) > l.MaxPayloadBytes:
		add("payload", fmt.Sprintf("is %d bytes; the limit is %d", len(r.Payload), l.MaxPayloadBytes))
		return errs
	}
	switch r.Type {
	case "":
		add("type", "is required")
	case TypeBannerMessage:
		var p BannerMessagePayload
		if fe := DecodeStrictText(r.Payload, &p, "payload"); fe != nil {
			return append(errs, *fe)
		}
		errs = append(errs, p.Validate(l)...)
	case TypeWorkSimulate:
		var p WorkSimulatePayload
		if fe := DecodeStrict(r.Payload, &p, "payload"); fe != nil {
			return append(errs, *fe)
		}
		errs = append(errs, p.Validate()...)
	default:
		add("type", fmt.Sprintf("unknown job type %q; known: %s, %s", r.Type, TypeBannerMessage, TypeWorkSimulate))
	}
	return errs
}

// Validate checks a banner message payload.
func (p BannerMessagePayload) Validate(l Limits) []FieldError {
	var errs []FieldError
	if !ValidBannerID(p.BannerID) {
		errs = append(errs, FieldError{"payload.bannerId", "must be 1 to 63 lower-case letters, digits or inner hyphens"})
	}
	n := utf8.RuneCountInString(strings.TrimSpace(p.Text))
	switch {
	case displaytext.Problem(p.Text) != "":
		errs = append(errs, FieldError{"payload.text", displaytext.Problem(p.Text)})
	case n == 0:
		errs = append(errs, FieldError{"payload.text", "is required"})
	case n > l.MaxTextRunes:
		errs = append(errs, FieldError{"payload.text", fmt.Sprintf("is %d characters; the limit is %d", n, l.MaxTextRunes)})
	}
	switch {
	case displaytext.Problem(p.Author) != "":
		errs = append(errs, FieldError{"payload.author", displaytext.Problem(p.Author)})
	case utf8.RuneCountInString(p.Author) > 64:
		errs = append(errs, FieldError{"payload.author", "is longer than 64 characters"})
	}
	return errs
}

// Validate checks a work.simulate payload.
func (p WorkSimulatePayload) Validate() []FieldError {
	var errs []FieldError
	if p.SleepMS < 0 || p.SleepMS > 60_000 {
		errs = append(errs, FieldError{"payload.sleepMs", "must be from 0 to 60000"})
	}
	if p.CPUMS < 0 || p.CPUMS > 10_000 {
		errs = append(errs, FieldError{"payload.cpuMs", "must be from 0 to 10000"})
	}
	if p.FailAttempts < 0 || p.FailAttempts > 100 {
		errs = append(errs, FieldError{"payload.failAttempts", "must be from 0 to 100"})
	}
	return errs
}
