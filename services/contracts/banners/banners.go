// Package banners is the contract around the Banner actor: the messages it
// shows, the views it returns, and the versioned event it publishes on
// every change. banner-actor serves it; the consumer's banner.message jobs
// and the web UI use it.
package banners

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/airdisplay/platform/services/contracts/displaytext"
	"github.com/airdisplay/platform/services/contracts/jobs"
)

// ActorType is the Dapr actor type of a banner.
const ActorType = "Banner"

// Topic is the pub/sub topic banner-updated events go to.
const Topic = "banner-updated"

// EventType names the event, versioned with the schema.
const EventType = "airdisplay.banner.updated.v1"

// Limits for banner input.
const (
	MaxTextRunes     = 280
	MaxAuthorRunes   = 64
	MaxNameRunes     = 100
	MaxLocationRunes = 100
)

// Message is one message on a banner.
type Message struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	Author   string    `json:"author,omitempty"`
	PostedAt time.Time `json:"postedAt"`
	// ShownAt is when the message really appeared on the banner, and
	// ExpiresAt is ShownAt plus the display time: a queued message gets
	// its full time even when the one before it came down late.
	ShownAt   *time.Time `json:"shownAt,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// ExpiredAt is when the message was really taken down at the end of
	// its time, and ExpiryDelaySeconds how long after ExpiresAt that was
	// (what the banner_expiry_delay_seconds metric observes). Set in the
	// history, and so in the "expired" event, whose last history entry is
	// the message that came down.
	ExpiredAt          *time.Time `json:"expiredAt,omitempty"`
	ExpiryDelaySeconds *float64   `json:"expiryDelaySeconds,omitempty"`
	// ClearedAt is when an operator took the message down early.
	ClearedAt *time.Time `json:"clearedAt,omitempty"`
}

// View is what a banner shows and holds.
type View struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Location string    `json:"location,omitempty"`
	Current  *Message  `json:"current"`
	Queue    []Message `json:"queue"`
	History  []Message `json:"history"`
	// AvailableAt is when the banner can show a new message right away.
	AvailableAt time.Time `json:"availableAt"`
	Version     int64     `json:"version"`
}

// Registration is the body of PUT /v1/banners/{id}.
type Registration struct {
	Name     string `json:"name"`
	Location string `json:"location,omitempty"`
}

// Validate checks a registration.
func (r Registration) Validate() []jobs.FieldError {
	var errs []jobs.FieldError
	if p := displaytext.Problem(r.Name); p != "" {
		errs = append(errs, jobs.FieldError{Field: "name", Reason: p})
	} else if n := utf8.RuneCountInString(strings.TrimSpace(r.Name)); n == 0 || n > MaxNameRunes {
		errs = append(errs, jobs.FieldError{Field: "name", Reason: fmt.Sprintf("must be 1 to %d characters", MaxNameRunes)})
	}
	if p := displaytext.Problem(r.Location); p != "" {
		errs = append(errs, jobs.FieldError{Field: "location", Reason: p})
	} else if utf8.RuneCountInString(r.Location) > MaxLocationRunes {
		errs = append(errs, jobs.FieldError{Field: "location", Reason: fmt.Sprintf("must be at most %d characters", MaxLocationRunes)})
	}
	return errs
}

// DecodeRegistration decodes and checks the body of PUT /v1/banners/{id}.
func DecodeRegistration(body []byte) (Registration, []jobs.FieldError) {
	var r Registration
	if fe := jobs.DecodeStrictText(body, &r, ""); fe != nil {
		return r, []jobs.FieldError{*fe}
	}
	return r, r.Validate()
}

// DecodePost decodes and checks the body of POST
// /v1/banners/{id}/messages: the JSON rules of jobs.DecodeStrictText (no
// unknown member, text as sent must be valid UTF-8), then Validate.
func DecodePost(body []byte) (Post, []jobs.FieldError) {
	var p Post
	if fe := jobs.DecodeStrictText(body, &p, ""); fe != nil {
		return p, []jobs.FieldError{*fe}
	}
	return p, p.Validate()
}

// Post is the body of POST /v1/banners/{id}/messages and the actor's
// PostMessage input. ID is optional for API callers; a repeated ID is
// recognised and not shown twice (the consumer passes the job id).
type Post struct {
	ID     string `json:"id,omitempty"`
	Text   string `json:"text"`
	Author string `json:"author,omitempty"`
	Queue  bool   `json:"queue,omitempty"`
}

// Validate checks a post.
func (p Post) Validate() []jobs.FieldError {
	var errs []jobs.FieldError
	n := utf8.RuneCountInString(strings.TrimSpace(p.Text))
	switch {
	case displaytext.Problem(p.Text) != "":
		errs = append(errs, jobs.FieldError{Field: "text", Reason: displaytext.Problem(p.Text)})
	case n == 0:
		errs = append(errs, jobs.FieldError{Field: "text", Reason: "is required"})
	case n > MaxTextRunes:
		errs = append(errs, jobs.FieldError{Field: "text", Reason: fmt.Sprintf("is %d characters; the limit is %d", n, MaxTextRunes)})
	}
	if pr := displaytext.Problem(p.Author); pr != "" {
		errs = append(errs, jobs.FieldError{Field: "author", Reason: pr})
	} else if utf8.RuneCountInString(p.Author) > MaxAuthorRunes {
		errs = append(errs, jobs.FieldError{Field: "author", Reason: fmt.Sprintf("must be at most %d characters", MaxAuthorRunes)})
	}
	if p.ID != "" && (len(p.ID) > 128 || strings.ContainsAny(p.ID, " \t\n/")) {
		errs = append(errs, jobs.FieldError{Field: "id", Reason: "must be at most 128 characters without spaces or slashes"})
	}
	return errs
}

// Outcome of a post.
const (
	OutcomeShown         = "shown"          // the message is on the banner now
	OutcomeQueued        = "queued"         // it waits in the queue at Position
	OutcomeConflict      = "conflict"       // another message shows; retry at AvailableAt
	OutcomeQueueFull     = "queue-full"     // the queue holds its maximum
	OutcomeNotRegistered = "not-registered" // no banner has this id
	OutcomeDuplicate     = "duplicate"      // this message id was posted before
)

// PostResult is the actor's answer to PostMessage. Business outcomes are
// results, not errors, so they cross the actor boundary intact.
type PostResult struct {
	Outcome     string    `json:"outcome"`
	Message     *Message  `json:"message,omitempty"`
	Position    int       `json:"position,omitempty"` // 1-based queue position
	AvailableAt time.Time `json:"availableAt"`
	Reason      string    `json:"reason,omitempty"`
	View        *View     `json:"banner,omitempty"`
}

// Event is published on Topic on every change of a banner.
type Event struct {
	Type     string    `json:"type"`
	BannerID string    `json:"bannerId"`
	Version  int64     `json:"version"`
	Change   string    `json:"change"` // registered, shown, queued, expired, cleared
	At       time.Time `json:"at"`
	Banner   View      `json:"banner"`
}

// DecodeEvent decodes a banner-updated event and checks that it is one:
// this EventType (a client of v1 cannot read another version), a valid
// banner id, a positive version, and a view of that banner at that
// version.
func DecodeEvent(data []byte) (Event, *jobs.FieldError) {
	var ev Event
	if fe := jobs.DecodeStrict(data, &ev, "event"); fe != nil {
		return ev, fe
	}
	switch {
	case ev.Type != EventType:
		return ev, &jobs.FieldError{Field: "event.type", Reason: "must be " + EventType}
	case !validID(ev.BannerID):
		return ev, &jobs.FieldError{Field: "event.bannerId", Reason: "must be a banner id"}
	case ev.Version <= 0:
		return ev, &jobs.FieldError{Field: "event.version", Reason: "must be positive"}
	case ev.Banner.ID != ev.BannerID || ev.Banner.Version != ev.Version:
		return ev, &jobs.FieldError{Field: "event.banner", Reason: "must be the view of bannerId at version"}
	}
	return ev, nil
}

func validID(id string) bool { return jobs.ValidBannerID(id) }
