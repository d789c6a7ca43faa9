package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/airdisplay/platform/tests/e2e/scenario"
	"github.com/airdisplay/platform/tests/localstack"
)

// The scenario against the local stack, started by the same launcher as
// `make run` (on free ports). Runs in `make test`.
func TestScenarioOnTheLocalStack(t *testing.T) {
	ctx := context.Background()
	s, err := localstack.Start(ctx, t.TempDir(), localstack.Options{Replicas: map[string]int{"consumer": 2}})
	if err != nil {
		t.Fatalf("local stack (run `make test`, which installs and builds what it needs): %v", err)
	}
	defer s.Stop()
	defer func() {
		if t.Failed() {
			localstack.DumpLogs(os.Stderr, s, 30)
		}
	}()
	var consumers []string
	for _, in := range s.Apps("consumer") {
		consumers = append(consumers, in.URL())
	}
	scenario.Run(ctx, t, scenario.Endpoints{
		Producer:    s.App("producer").URL(),
		BannerActor: s.App("banner-actor").URL(),
		Consumers:   consumers,
		APIKey:      localstack.DevAPIKey,
	}, scenario.Options{})
}
