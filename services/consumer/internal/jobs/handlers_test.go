package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// A banner.message job whose actor host is restarting (its calls refused
// for a while) waits it out within one attempt, rather than spend its
// attempts on the restart and be dead-lettered; an actor that stays away
// fails the attempt once the wait is over.
func TestABannerJobWaitsOutARestartingActorHost(t *testing.T) {
	t.Parallel()
	job := contract.Message{ID: "j1", Type: contract.TypeBannerMessage, Payload: json.RawMessage(`{"bannerId":"gate-1","text":"hello"}`)}
	refused := errors.New(`error invoke actor method: dial tcp 127.0.0.1:28112: connect: connection refused`)
	for _, tc := range []struct {
		name      string
		downCalls int64
		wantErr   bool
	}{
		{"back after three refused calls", 3, false},
		{"away for good", 1 << 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := daprtest.New()
			var calls atomic.Int64
			sc.Actor = func(_ context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
				if calls.Add(1) <= tc.downCalls {
					return nil, refused
				}
				data, _ := json.Marshal(banners.PostResult{Outcome: banners.OutcomeShown})
				return &dapr.InvokeActorResponse{Data: data}, nil
			}
			_, err := BannerMessage(sc, banners.ActorType, time.Second)(context.Background(), job, 1)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v after %d calls, want error: %v", err, calls.Load(), tc.wantErr)
			}
			if !tc.wantErr && calls.Load() != tc.downCalls+1 {
				t.Errorf("%d calls, want %d", calls.Load(), tc.downCalls+1)
			}
			if tc.wantErr && calls.Load() < 3 {
				t.Errorf("gave up after %d calls in a second", calls.Load())
			}
		})
	}
}
