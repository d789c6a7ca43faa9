package deploy

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// contractRun is the run of each environment's tests/*.tftest.hcl whose
// planned outputs are the deployer's contract.
const contractRun = "deployer_contract"

// plannedOutputs reads, from the output of `terraform test -json -verbose`,
// the planned outputs of the named run, in the shape `terraform output`
// gives the deployer.
func plannedOutputs(r io.Reader, run string) (map[string]tfexec.OutputMeta, error) {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Type     string `json:"type"`
			TestRun  string `json:"@testrun"`
			TestPlan struct {
				OutputChanges map[string]struct {
					After          json.RawMessage `json:"after"`
					AfterUnknown   bool            `json:"after_unknown"`
					AfterSensitive bool            `json:"after_sensitive"`
				} `json:"output_changes"`
			} `json:"test_plan"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil, errors.New("no test_plan of run " + run + " in the log")
		} else if err != nil {
			return nil, err
		}
		if msg.Type != "test_plan" || msg.TestRun != run {
			continue
		}
		out := make(map[string]tfexec.OutputMeta, len(msg.TestPlan.OutputChanges))
		for name, c := range msg.TestPlan.OutputChanges {
			if c.AfterUnknown {
				return nil, errors.New("output " + name + " is unknown in the plan")
			}
			out[name] = tfexec.OutputMeta{Value: c.After, Sensitive: c.AfterSensitive}
		}
		return out, nil
	}
}

// The outputs a `terraform test` run of each environment plans (with every
// provider mocked) satisfy the contract ParseOutputs enforces on a real
// deployment. `make test-terraform` runs the tests and points
// TF_TEST_OUTPUTS_DIR at their logs.
func TestEnvironmentOutputsFromTerraformTest(t *testing.T) {
	dir := os.Getenv("TF_TEST_OUTPUTS_DIR")
	if dir == "" {
		t.Skip("TF_TEST_OUTPUTS_DIR unset: run `make test-terraform`")
	}
	for _, env := range []string{"azure", "kind"} {
		t.Run(env, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, env+".jsonl"))
			if err != nil {
				t.Fatalf("no terraform test log of %s: %v", env, err)
			}
			defer f.Close()
			raw, err := plannedOutputs(f, contractRun)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range OutputNames {
				if _, ok := raw[name]; !ok {
					t.Errorf("output %q is not planned", name)
				}
			}
			o, err := ParseOutputs(raw)
			if err != nil {
				t.Fatalf("contract: %v", err)
			}
			if o.Flavor != env {
				t.Errorf("flavor = %q, want %q", o.Flavor, env)
			}
			if o.JobsQueueName == "" || o.Namespace == "" || o.RedisHost == "" || o.RedisPort == 0 {
				t.Errorf("outputs: %+v", o)
			}
			if env == "azure" {
				// Azure Managed Redis: TLS on 10000, OSS cluster policy
				// (the chart's redisType: cluster); the banner events'
				// topic is the one the chart's pub/sub is allowed.
				if o.RedisPort != 10000 {
					t.Errorf("azure redis_port = %d, want Azure Managed Redis' TLS port 10000", o.RedisPort)
				}
				if o.RedisClusteringPolicy != "OSSCluster" {
					t.Errorf("azure redis_clustering_policy = %q, want OSSCluster", o.RedisClusteringPolicy)
				}
				if o.BannerEventsTopic != "banner-updated" {
					t.Errorf("azure banner_events_topic = %q, want banner-updated", o.BannerEventsTopic)
				}
			}
			if env == "kind" && (o.RedisClusteringPolicy != "" || o.BannerEventsTopic != "") {
				t.Errorf("kind: redis_clustering_policy %q, banner_events_topic %q; want both empty (one Redis node, Redis pub/sub)", o.RedisClusteringPolicy, o.BannerEventsTopic)
			}
			if env == "kind" {
				// KIND_PROVISIONER=helm must hand HelmInstall and the e2e
				// exactly what Terraform's outputs would.
				h, err := KindOutputs("../../envs/kind", "../../..", nil)
				if err != nil {
					t.Fatal(err)
				}
				if h != o {
					t.Errorf("Helm provisioner's outputs\n%+v\ndiffer from Terraform's\n%+v", h, o)
				}
			}
		})
	}
}

func TestPlannedOutputsNamesAMissingRun(t *testing.T) {
	log := `{"type":"test_plan","@testrun":"other","test_plan":{"output_changes":{"flavor":{"after":"kind"}}}}` + "\n"
	if _, err := plannedOutputs(strings.NewReader(log), contractRun); err == nil {
		t.Fatal("a log without the contract run was accepted")
	}
	log += `{"type":"test_plan","@testrun":"deployer_contract","test_plan":{"output_changes":{"flavor":{"after":"kind"},"redis_port":{"after":6379}}}}` + "\n"
	raw, err := plannedOutputs(strings.NewReader(log), contractRun)
	if err != nil || string(raw["flavor"].Value) != `"kind"` || string(raw["redis_port"].Value) != "6379" {
		t.Fatalf("raw = %v, err = %v", raw, err)
	}
}
