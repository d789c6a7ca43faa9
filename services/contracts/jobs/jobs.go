// Package jobs is the contract between the producer and the consumer: the
// request a client submits, the message that travels through the `jobs`
// pub/sub topic, and the job record both keep in the `jobstore` state store.
package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Job types the platform knows.
const (
	TypeBannerMessage = "banner.message"
	TypeWorkSimulate  = "work.simulate"
)

// Status is where a job is in its life.
type Status string

// Job statuses. A job is queued by the producer, failed between attempts,
// and ends succeeded or dead-lettered. Running is no longer written (a
// success goes from queued to succeeded in one write); records from
// before may still hold it.
const (
	StatusQueued       Status = "queued"
	StatusRunning      Status = "running"
	StatusSucceeded    Status = "succeeded"
	StatusFailed       Status = "failed"
	StatusDeadLettered Status = "dead-lettered"
)

// Final reports whether no further attempt will be made.
func (s Status) Final() bool { return s == StatusSucceeded || s == StatusDeadLettered }

// Request is what a client posts to create a job.
type Request struct {
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
}

// Message is the body sent through the `jobs` pub/sub topic (raw, without
// a CloudEvents envelope).
type Message struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Payload    json.RawMessage `json:"payload"`
	EnqueuedAt time.Time       `json:"enqueuedAt"`
	// TraceParent continues the producer's trace in the consumer; brokers
	// do not all carry headers through a raw-payload delivery.
	TraceParent string `json:"traceparent,omitempty"`
}

// Record is a job's state, stored under RecordKey(id).
type Record struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
	Status         Status          `json:"status"`
	Attempts       int             `json:"attempts"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
	StartedAt      *time.Time      `json:"startedAt,omitempty"`
	FinishedAt     *time.Time      `json:"finishedAt,omitempty"`
	Result         json.RawMessage `json:"result,omitempty"`
	LastError      string          `json:"lastError,omitempty"`
	// ProcessedBy names the consumer instance that committed the outcome.
	ProcessedBy string `json:"processedBy,omitempty"`
}

// State store keys. The job store uses keyPrefix "name", so producer and
// consumer see the same keys ("jobstore||job/{<id>}" in Redis).
//
// A job's record and effect marker are single-key writes (the marker,
// inserted first-write-wins, is the commit; the record follows it). Both
// carry the job's hash tag, "{<id>}", so on a clustered Redis (Azure
// Managed Redis, `make test-redis-cluster`) they live in one hash slot. Redis hashes only what is between the first "{"
// and the next "}", so an id that itself holds a brace gets a tag made
// from its digest instead (an empty or cut tag would split the pair).
func RecordKey(id string) string       { return "job/" + hashTag(id) }
func IdempotencyKey(key string) string { return "idem/" + key }
func EffectKey(id string) string       { return "effect/" + hashTag(id) }

// JobIDOfEffectKey is the job id an EffectKey was made from.
func JobIDOfEffectKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "effect/")
	switch {
	case !ok:
		return "", false
	case strings.HasPrefix(rest, "{#"):
		_, id, ok := strings.Cut(rest, "}/")
		return id, ok
	case len(rest) > 2 && rest[0] == '{' && rest[len(rest)-1] == '}':
		return rest[1 : len(rest)-1], true
	}
	return "", false
}

// hashTag is "{id}", or "{#<sha256 prefix>}/id" when id holds "{" or "}"
// or is empty.
func hashTag(id string) string {
	if id != "" && !strings.ContainsAny(id, "{}") {
		return "{" + id + "}"
	}
	sum := sha256.Sum256([]byte(id))
	return "{#" + hex.EncodeToString(sum[:8]) + "}/" + id
}

// DeadLetterIndexKey holds the ids of dead-lettered jobs, newest last.
const DeadLetterIndexKey = "index/dead-lettered"

// DeadLetterIndex is the value under DeadLetterIndexKey.
type DeadLetterIndex struct {
	IDs []string `json:"ids"`
}

// BannerMessagePayload asks for a message on a banner.
type BannerMessagePayload struct {
	BannerID string `json:"bannerId"`
	Text     string `json:"text"`
	Author   string `json:"author,omitempty"`
	// Queue waits for the banner to be free instead of failing when it
	// shows another message.
	Queue bool `json:"queue,omitempty"`
}

// WorkSimulatePayload burns time, for load tests and failure drills.
type WorkSimulatePayload struct {
	SleepMS int `json:"sleepMs,omitempty"`
	CPUMS   int `json:"cpuMs,omitempty"`
	// FailAttempts makes the first N attempts fail; AlwaysFail every one.
	FailAttempts int  `json:"failAttempts,omitempty"`
	AlwaysFail   bool `json:"alwaysFail,omitempty"`
	// FailUntil makes every attempt before this time fail: a job that is
	// dead-lettered now and succeeds when replayed later.
	FailUntil *time.Time `json:"failUntil,omitempty"`
}

// DecodeMessage decodes a message from the jobs queue: a JSON object with
// an id and a type. What fails here is not a job and cannot become one by
// retrying; the consumer sets it aside.
func DecodeMessage(raw []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, err
	}
	if m.ID == "" || m.Type == "" {
		return m, errors.New("missing id or type")
	}
	return m, nil
}
