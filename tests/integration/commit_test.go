package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/tests/localstack"
)

// A consumer commits a job's record (guarded by its ETag) and effect marker
// (guarded by its absence) in one Redis MULTI/EXEC, and Redis does not roll
// the transaction back when one guard fails. These tests force the
// interleavings in which that happens, through the real consumers, daprd
// and Redis (a Redis Cluster under `make test-redis-cluster`), and check
// that the effect stays committed once and the record ends up saying so.

// Two deliveries of one job run at once on two consumers. The later one
// saves the record after the first, so the first to finish commits with a
// stale ETag: its record write fails and its marker is inserted anyway.
// The second then finds the marker taken; without the consumer settling
// the record from the marker, the record would name the second consumer
// and the marker the first.
func TestOverlappingDeliveriesLeaveOneEffectAndARecordThatAgreesWithIt(t *testing.T) {
	ctx := context.Background()
	conn, err := amqp.Dial(env.stack.RabbitURL)
	must(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	must(t, err)

	payload := map[string]any{"sleepMs": 1500}
	raw, _ := json.Marshal(payload)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = submit(t, contract.TypeWorkSimulate, payload)
		// A second copy of the message, as a broker redelivering it to
		// another consumer while the first still holds it would send.
		body, _ := json.Marshal(contract.Message{ID: ids[i], Type: contract.TypeWorkSimulate, Payload: raw, EnqueuedAt: time.Now().UTC()})
		must(t, ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, ContentType: "application/json", Body: body,
		}))
	}
	waitAllSucceeded(ctx, t, ids, time.Minute)
	waitQueueIdle(t, consumerURLs())
	recs := records(ctx, t, ids) // as left once both copies are settled
	effs := effects(ctx, t, ids)

	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	starts := map[string]int{}
	for _, in := range env.stack.Apps("consumer") {
		for id, n := range executionsIn(t, in.AppProcess().LogPath, 0, -1, "job attempt started", want) {
			starts[id] += n
		}
	}
	overlapped := 0
	for _, id := range ids {
		r, e := recs[id], effs[id]
		if e == nil {
			t.Errorf("job %s: no effect marker", id)
			continue
		}
		if starts[id] > 1 {
			overlapped++
		}
		committedAt, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(e["committedAt"]))
		if r.Status != contract.StatusSucceeded || r.ProcessedBy != e["committedBy"] || r.FinishedAt == nil || !r.FinishedAt.Equal(committedAt) {
			t.Errorf("job %s (%d attempts started): record %s by %s finished %v; effect committed by %v at %v",
				id, starts[id], r.Status, r.ProcessedBy, r.FinishedAt, e["committedBy"], e["committedAt"])
		}
		if listedAsDeadLetter(t, id) {
			t.Errorf("job %s is listed as a dead letter", id)
		}
	}
	// Two attempts started means both held the job at once: a copy that
	// comes after the commit finds the record final and starts nothing.
	if overlapped == 0 {
		t.Fatalf("no job ran on two consumers at once (attempts started: %v): the interleaving was not forced", starts)
	}
	t.Logf("%d of %d jobs ran twice at once; each has one effect and a record that agrees with it", overlapped, len(ids))
}

// What a consumer killed right after a half-applied commit leaves: the
// effect marker is in, the record still says running. A redelivery must
// settle the record from the marker and not run the job again.
func TestARedeliveredJobWhoseEffectIsInButRecordIsNotDoesNotRunAgain(t *testing.T) {
	ctx := context.Background()
	id := fmt.Sprintf("half-committed-%d", time.Now().UnixNano())
	started := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	committed := started.Add(2 * time.Second)
	rec, _ := json.Marshal(contract.Record{
		ID: id, Type: contract.TypeWorkSimulate, Payload: json.RawMessage(`{}`), Status: contract.StatusRunning,
		Attempts: 1, CreatedAt: started, UpdatedAt: started, StartedAt: &started, ProcessedBy: "consumer-gone",
	})
	eff, _ := json.Marshal(map[string]any{
		"jobId": id, "type": contract.TypeWorkSimulate, "committedBy": "consumer-gone",
		"committedAt": committed, "attempt": 1, "result": map[string]any{"from": "the gone consumer"},
	})
	// The state.redis layout: a hash with the value and its version (ETag).
	must(t, env.redis.HSet(ctx, localstack.StoreKey(contract.RecordKey(id)), "data", rec, "version", 1).Err())
	must(t, env.redis.HSet(ctx, localstack.StoreKey(contract.EffectKey(id)), "data", eff, "version", 1).Err())

	conn, err := amqp.Dial(env.stack.RabbitURL)
	must(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	must(t, err)
	body, _ := json.Marshal(contract.Message{ID: id, Type: contract.TypeWorkSimulate, Payload: json.RawMessage(`{}`), EnqueuedAt: started})
	must(t, ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{
		DeliveryMode: amqp.Persistent, ContentType: "application/json", Body: body,
	}))

	r := waitAllSucceeded(ctx, t, []string{id}, 30*time.Second)[id]
	waitQueueIdle(t, consumerURLs())
	if r.ProcessedBy != "consumer-gone" || r.FinishedAt == nil || !r.FinishedAt.Equal(committed) || string(r.Result) != `{"from":"the gone consumer"}` {
		t.Errorf("record: processed by %q, finished %v, result %s; want the effect marker's (consumer-gone, %v)", r.ProcessedBy, r.FinishedAt, r.Result, committed)
	}
	for _, in := range env.stack.Apps("consumer") {
		if n := executionsIn(t, in.AppProcess().LogPath, 0, -1, "job attempt started", map[string]bool{id: true})[id]; n > 0 {
			t.Errorf("%s ran the job again (%d attempts) although its effect was committed", in.Name(), n)
		}
	}
}

// Under `make test-redis-cluster` the stack really is a three-master Redis
// Cluster, and the platform's keys are spread over its masters (so the
// suite exercises cross-node traffic, not one node holding every slot).
func TestTheClusterProfileSpreadsKeysOverThreeMasters(t *testing.T) {
	if env.stack.RedisType != "cluster" {
		t.Skip("single-node Redis profile: `make test-redis-cluster` runs this on the Redis Cluster profile")
	}
	ctx := context.Background()
	cc := env.redis.(*redis.ClusterClient)
	ids := submitBatch(t, 200, map[string]any{})
	waitAllSucceeded(ctx, t, ids, time.Minute)
	var mu sync.Mutex // ForEachMaster calls in parallel
	masters := 0
	keysPerMaster := []int64{}
	must(t, cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		info, err := node.ClusterInfo(ctx).Result()
		if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
			return fmt.Errorf("%s: cluster info %q, %v", node.Options().Addr, info, err)
		}
		n, err := node.DBSize(ctx).Result()
		mu.Lock()
		masters++
		keysPerMaster = append(keysPerMaster, n)
		mu.Unlock()
		return err
	}))
	if masters != 3 {
		t.Fatalf("%d masters, want 3", masters)
	}
	for _, n := range keysPerMaster {
		if n == 0 {
			t.Fatalf("keys per master %v: a master holds none", keysPerMaster)
		}
	}
	t.Logf("three masters, keys per master %v", keysPerMaster)
}
