package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	runtimev1pb "github.com/dapr/dapr/pkg/proto/runtime/v1"
	amqp "github.com/rabbitmq/amqp091-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/tests/localstack"
)

// Every service answers its probes and serves Prometheus metrics.
func TestEveryServiceIsHealthyReadyAndMeasured(t *testing.T) {
	for _, id := range env.stack.AppIDs() {
		for _, in := range env.stack.Apps(id) {
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				resp, err := client.Get(in.URL() + path)
				if err != nil {
					t.Fatalf("%s %s: %v", in.Name(), path, err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s %s: %s, want 200", in.Name(), path, resp.Status)
				}
			}
			if v := metric(t, "go_goroutines", in.URL()); v <= 0 {
				t.Errorf("%s /metrics has no go_goroutines", in.Name())
			}
		}
	}
}

// A job goes producer → its daprd → Redis (record saved) and RabbitMQ
// (message out through the jobs pub/sub topic) → a consumer's daprd → consumer,
// which reads and updates the record in Redis.
func TestJobRoundTripThroughRealRedisAndRabbitMQ(t *testing.T) {
	ctx := context.Background()
	id := submit(t, contract.TypeWorkSimulate, map[string]any{"sleepMs": 1})

	rec := waitStatus(t, id, contract.StatusSucceeded, 30*time.Second)
	if rec.Attempts != 1 || rec.ProcessedBy == "" || rec.FinishedAt == nil {
		t.Errorf("record after success: %+v", rec)
	}
	// The record is really in Redis, written through the state store,
	// under the job's hash tag (contract.RecordKey).
	raw, err := env.redis.HGet(ctx, localstack.StoreKey("job/{"+id+"}"), "data").Result()
	must(t, err)
	var stored contract.Record
	must(t, json.Unmarshal([]byte(raw), &stored))
	if stored.Status != contract.StatusSucceeded {
		t.Errorf("Redis holds status %q", stored.Status)
	}
	// The queue is a real, durable RabbitMQ queue that the binding declared.
	conn, err := amqp.Dial(env.stack.RabbitURL)
	must(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	must(t, err)
	q, err := ch.QueueDeclarePassive("jobs", true, false, false, false, nil)
	must(t, err)
	if q.Consumers < 3 {
		t.Errorf("queue jobs has %d consumers, want the 3 consumer sidecars", q.Consumers)
	}
}

// The producer's trace context reaches the consumer through Dapr: the
// traceparent a client sends comes back in the consumer's log lines.
func TestTraceContextCrossesTheQueue(t *testing.T) {
	traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest(http.MethodPost, producerURL()+"/v1/jobs",
		strings.NewReader(`{"type":"work.simulate","payload":{"failAttempts":1}}`))
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := client.Do(req)
	must(t, err)
	var ref struct{ ID string }
	must(t, json.NewDecoder(resp.Body).Decode(&ref))
	resp.Body.Close()
	waitStatus(t, ref.ID, contract.StatusSucceeded, 30*time.Second)
	// The failed first attempt is logged by a consumer with the trace id.
	found := false
	for _, in := range env.stack.Apps("consumer") {
		if logContains(t, in.AppProcess().LogPath, traceID) {
			found = true
		}
	}
	if !found {
		t.Errorf("no consumer log line carries trace id %s", traceID)
	}
}

// Routes only the sidecar may call answer 401 without its APP_API_TOKEN:
// nothing else on the host can feed the consumer jobs or drive actors.
func TestSidecarRoutesRequireTheAppToken(t *testing.T) {
	for _, c := range []struct{ method, url string }{
		{http.MethodPost, env.stack.Apps("consumer")[0].URL() + "/jobs"},
		{http.MethodGet, bannerURL() + "/dapr/config"},
		{http.MethodPut, bannerURL() + "/actors/Banner/gate-1/method/Get"},
		{http.MethodPost, bannerURL() + "/events/banner-updated"},
	} {
		req, _ := http.NewRequest(c.method, c.url, strings.NewReader(`{}`))
		resp, err := client.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without the app token: %s, want 401", c.method, c.url, resp.Status)
		}
	}
}

// Every sidecar's API answers 401 without its DAPR_API_TOKEN: nothing else
// on the host can read state, publish or invoke through it. Its health
// endpoint stays open for probes.
func TestSidecarsRequireTheDaprAPIToken(t *testing.T) {
	for _, id := range env.stack.AppIDs() {
		for _, in := range env.stack.Apps(id) {
			for _, c := range []struct {
				path, token string
				want        int
			}{
				{"/v1.0/metadata", "", http.StatusUnauthorized},
				{"/v1.0/metadata", "wrong", http.StatusUnauthorized},
				{"/v1.0/state/statestore/any", "", http.StatusUnauthorized},
				{"/v1.0/metadata", in.Env()["DAPR_API_TOKEN"], http.StatusOK},
				{"/v1.0/healthz", "", http.StatusNoContent},
			} {
				req, _ := http.NewRequest(http.MethodGet, in.DaprURL()+c.path, nil)
				if c.token != "" {
					req.Header.Set("dapr-api-token", c.token)
				}
				resp, err := http.DefaultClient.Do(req)
				must(t, err)
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("%s sidecar %s with token %q: %s, want %d", in.Name(), c.path, c.token, resp.Status, c.want)
				}
			}
		}
	}
}

// The gRPC API the apps use (the Dapr client connects over gRPC) checks
// DAPR_API_TOKEN too: without it or with a wrong one a call is refused as
// unauthenticated; with it the call succeeds.
func TestSidecarGRPCAPIRequiresTheDaprAPIToken(t *testing.T) {
	for _, id := range env.stack.AppIDs() {
		for _, in := range env.stack.Apps(id) {
			conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", in.DaprGRPCPort), grpc.WithTransportCredentials(insecure.NewCredentials()))
			must(t, err)
			c := runtimev1pb.NewDaprClient(conn)
			for _, tc := range []struct {
				token string
				want  codes.Code
			}{{"", codes.Unauthenticated}, {"wrong", codes.Unauthenticated}, {in.Env()["DAPR_API_TOKEN"], codes.OK}} {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if tc.token != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, "dapr-api-token", tc.token)
				}
				_, err := c.GetMetadata(ctx, &runtimev1pb.GetMetadataRequest{})
				cancel()
				if got := status.Code(err); got != tc.want {
					t.Errorf("%s sidecar gRPC GetMetadata with token %q: %s (%v), want %s", in.Name(), tc.token, got, err, tc.want)
				}
			}
			conn.Close()
		}
	}
}
