package integration

import (
	"context"
	"testing"

	"github.com/airdisplay/platform/tests/e2e/scenario"
)

// The end-to-end scenario (shared with the kind and Azure targets) against
// the local stack `make run` starts.
func TestEndToEndScenarioOnTheLocalStack(t *testing.T) {
	var consumers []string
	for _, in := range env.stack.Apps("consumer") {
		consumers = append(consumers, in.URL())
	}
	scenario.Run(context.Background(), t, scenario.Endpoints{
		Producer:    producerURL(),
		BannerActor: bannerURL(),
		Consumers:   consumers,
	}, scenario.Options{})
}
