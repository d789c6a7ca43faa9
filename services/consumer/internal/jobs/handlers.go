package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Handlers returns the built-in job handlers, keyed by job type.
func Handlers(c dapr.Client, bannerActorType string) map[string]Handler {
	return map[string]Handler{
		contract.TypeWorkSimulate:  WorkSimulate,
		contract.TypeBannerMessage: BannerMessage(c, bannerActorType, actorRetryFor),
	}
}

// WorkSimulate sleeps and burns CPU as asked, and fails the first
// FailAttempts attempts (or all, with AlwaysFail). Its effect is the
// commit itself, which the processor makes exactly once.
func WorkSimulate(ctx context.Context, job contract.Message, attempt int) (json.RawMessage, error) {
	var p contract.WorkSimulatePayload
	if fe := contract.DecodeStrict(job.Payload, &p, "payload"); fe != nil {
		return nil, Permanent(fe)
	}
	// The producer checks this too; a message from anywhere else must not
	// hold a consumer for longer than the limits allow.
	if errs := p.Validate(); len(errs) > 0 {
		return nil, Permanent(errors.New(errs[0].Error()))
	}
	if p.FailUntil != nil && time.Now().Before(*p.FailUntil) {
		return nil, fmt.Errorf("simulated failure until %s", p.FailUntil.Format(time.RFC3339))
	}
	if p.AlwaysFail || attempt <= p.FailAttempts {
		return nil, fmt.Errorf("simulated failure on attempt %d", attempt)
	}
	if p.CPUMS > 0 {
		burn(ctx, time.Duration(p.CPUMS)*time.Millisecond)
	}
	if p.SleepMS > 0 {
		select {
		case <-time.After(time.Duration(p.SleepMS) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return json.RawMessage(fmt.Sprintf(`{"attempt":%d}`, attempt)), nil
}

// burn spins the CPU for d, or until ctx ends (the attempt's timeout).
func burn(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	x := 1
	for time.Now().Before(end) && ctx.Err() == nil {
		for i := range 10_000 {
			x = x*31 + i
		}
	}
	_ = x
}

// actorRetryFor is how long one attempt of a banner.message job keeps
// calling a banner actor that cannot be reached before it fails. A killed
// banner-actor or sidecar is back within a few seconds, and attempts spent
// meanwhile would dead-letter jobs that only had to wait (make chaos saw
// five attempts used up in 1.7 s of a restart).
const actorRetryFor = 10 * time.Second

// BannerMessage posts the message to the banner's actor. The job id is the
// message id, so a repeated delivery (or call) is recognised by the actor
// and shows the message once; so a call that failed is made again, with
// backoff, for up to retryFor (and within the attempt's timeout).
func BannerMessage(c dapr.Client, actorType string, retryFor time.Duration) Handler {
	return func(ctx context.Context, job contract.Message, _ int) (json.RawMessage, error) {
		var p contract.BannerMessagePayload
		if fe := contract.DecodeStrictText(job.Payload, &p, "payload"); fe != nil {
			return nil, Permanent(fe)
		}
		if errs := p.Validate(contract.DefaultLimits); len(errs) > 0 {
			return nil, Permanent(errors.New(errs[0].Error()))
		}
		data, _ := json.Marshal(banners.Post{ID: job.ID, Text: p.Text, Author: p.Author, Queue: p.Queue})
		req := &dapr.InvokeActorRequest{ActorType: actorType, ActorID: p.BannerID, Method: "PostMessage", Data: data}
		resp, err := c.InvokeActor(observability.OutgoingContext(ctx), req)
		giveUp := time.Now().Add(retryFor)
		for wait := 100 * time.Millisecond; err != nil && time.Now().Add(wait).Before(giveUp); wait = min(2*wait, 2*time.Second) {
			// The actor or its host is unavailable (restarting, its
			// sidecar rebalancing): wait, then call again.
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, err
			}
			resp, err = c.InvokeActor(observability.OutgoingContext(ctx), req)
		}
		if err != nil {
			return nil, err // still unavailable: the attempt fails and is retried
		}
		var res banners.PostResult
		if resp == nil || json.Unmarshal(resp.Data, &res) != nil {
			return nil, errors.New("banner actor gave no result")
		}
		switch res.Outcome {
		case banners.OutcomeShown, banners.OutcomeQueued, banners.OutcomeDuplicate:
			// Duplicate: an earlier attempt of this job already posted it.
			out, _ := json.Marshal(map[string]any{"outcome": res.Outcome, "position": res.Position, "availableAt": res.AvailableAt})
			return out, nil
		default:
			// Busy, queue full or not registered: retrying the same
			// request cannot succeed, so it goes straight to dead letters.
			return nil, Permanent(fmt.Errorf("banner %s refused the message (%s): %s", p.BannerID, res.Outcome, res.Reason))
		}
	}
}
