package charttests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/tests/localstack"
)

// The azure flavor's state stores (jobstore and the actor statestore), as
// the chart renders them for Azure Managed Redis, run the platform on a
// local three-master Redis Cluster in real daprd sidecars: only the host and
// the Azure auth are swapped (redisHost → the local masters; TLS, useEntraID
// and the Azure client/tenant ids dropped), everything else (redisType
// cluster, keyPrefix, actorStateStore, scopes, the Resiliency) is the
// chart's. The jobs and banner events pub/subs, Service Bus on Azure, cannot
// run here and come from components/local.
func TestAzureRedisComponentsRunOnARedisCluster(t *testing.T) {
	ports, err := stack.RandomPorts()
	must(t, err)
	manifest, err := renderE(t, []string{filepath.Join(chartDir, "values-azure.yaml")}, azureSetValues())
	must(t, err)
	rendered := t.TempDir()
	writeDaprResources(t, manifest, rendered)

	addrs := make([]string, len(ports.RedisClusterNodes))
	for i, p := range ports.RedisClusterNodes {
		addrs[i] = fmt.Sprintf("127.0.0.1:%d", p)
	}
	dir := t.TempDir()
	kept := map[string]bool{}
	entries, err := os.ReadDir(rendered)
	must(t, err)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(rendered, e.Name()))
		must(t, err)
		var doc map[string]any
		must(t, yaml.Unmarshal(raw, &doc))
		name := doc["metadata"].(map[string]any)["name"].(string)
		if doc["kind"] == "Component" && name != "jobstore" && name != "statestore" {
			continue // Service Bus
		}
		if doc["kind"] == "Component" {
			spec := doc["spec"].(map[string]any)
			meta := map[string]string{}
			var items []any
			for _, m := range spec["metadata"].([]any) {
				item := m.(map[string]any)
				n := item["name"].(string)
				meta[n], _ = item["value"].(string)
				switch n {
				case "enableTLS", "useEntraID", "azureClientId", "azureTenantId":
					continue // auth and transport: Azure's, not this machine's
				case "redisHost":
					item["value"] = strings.Join(addrs, ",")
				}
				items = append(items, item)
			}
			if spec["type"] != "state.redis" || meta["redisType"] != "cluster" || meta["useEntraID"] != "true" || meta["enableTLS"] != "true" {
				t.Fatalf("azure %s: %v %v, want state.redis with redisType cluster, Entra ID and TLS", name, spec["type"], meta)
			}
			spec["metadata"] = items
		}
		out, err := yaml.Marshal(doc)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, e.Name()), out, 0o644))
		kept[fmt.Sprintf("%s/%s", doc["kind"], name)] = true
	}
	if !kept["Component/jobstore"] || !kept["Component/statestore"] {
		t.Fatalf("the azure flavor rendered %v, want jobstore and statestore", kept)
	}
	root, err := localstack.RepoRoot()
	must(t, err)
	for _, f := range []string{"jobs.yaml", "pubsub.yaml", "secretstore.yaml"} {
		raw, err := os.ReadFile(filepath.Join(root, "components", "local", f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "local-"+f), raw, 0o644))
	}

	ctx := context.Background()
	s, err := localstack.Start(ctx, t.TempDir(), localstack.Options{Ports: ports, ResourcesPaths: []string{dir}, RedisCluster: true})
	if err != nil {
		t.Fatalf("the stack did not start on the azure flavor's state stores: %v", err)
	}
	defer s.Stop()
	defer func() {
		if t.Failed() {
			localstack.DumpLogs(os.Stderr, s, 30)
		}
	}()

	roundTrip(t, s, "azure-chart-test")
}
