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
	ID        string     `json:"id"`
	Text      string     `json:"text"`
	Author    string     `json:"author,omitempty"`
	PostedAt  time.Time  `json:"postedAt"`
	ShownAt   *time.Time `json:"shownAt,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
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
	if n := utf8.RuneCountInString(strings.TrimSpace(r.Name)); n == 0 || n > MaxNameRunes {
		errs = append(errs, jobs.FieldError{Field: "name", Reason: fmt.Sprintf("must be 1 to %d characters", MaxNameRunes)})
	}
	if utf8.RuneCountInString(r.Location) > MaxLocationRunes {
		errs = append(errs, jobs.FieldError{Field: "location", Reason: fmt.Sprintf("must be at most %d characters", MaxLocationRunes)})
	}
	return errs
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
	case !utf8.ValidString(p.Text):
		errs = append(errs, jobs.FieldError{Field: "text", Reason: "must be valid UTF-8"})
	case n == 0:
		errs = append(errs, jobs.FieldError{Field: "text", Reason: "is required"})
	case n > MaxTextRunes:
		errs = append(errs, jobs.FieldError{Field: "text", Reason: fmt.Sprintf("is %d characters; the limit is %d", n, MaxTextRunes)})
	}
	if utf8.RuneCountInString(p.Author) > MaxAuthorRunes {
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
