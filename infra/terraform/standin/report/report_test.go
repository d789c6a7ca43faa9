package report

import (
	"strings"
	"testing"
)

func TestValidateReportsWarningsWithFileAndLine(t *testing.T) {
	in := `{"format_version":"1.0","valid":true,"error_count":0,"warning_count":1,"diagnostics":[
	  {"severity":"warning","summary":"Argument is deprecated","detail":"kubernetes_service_account_v1: argument default_secret_name is marked\n\"deprecated\": true in the schema.",
	   "range":{"filename":"../../modules/x/main.tf","start":{"line":19}}}]}`
	lines, err := Validate(strings.NewReader(in), "infra/envs/kind")
	if err != nil {
		t.Fatal(err)
	}
	want := `infra/modules/x/main.tf:19: warning: Argument is deprecated: kubernetes_service_account_v1: argument default_secret_name is marked "deprecated": true in the schema.`
	if len(lines) != 1 || lines[0] != want {
		t.Fatalf("lines = %q\nwant %q", lines, want)
	}
	clean, err := Validate(strings.NewReader(`{"valid":true,"diagnostics":[]}`), "d")
	if err != nil || len(clean) != 0 {
		t.Errorf("clean: %q %v", clean, err)
	}
	if _, err := Validate(strings.NewReader("Error: something"), "d"); err == nil {
		t.Error("non-JSON accepted")
	}
}

func TestTestSummaryAndFailures(t *testing.T) {
	in := strings.Join([]string{
		`{"@level":"info","type":"test_run","test_run":{"path":"tests/a.tftest.hcl","run":"ok","progress":"complete","status":"pass"}}`,
		`{"@level":"info","type":"test_run","test_run":{"path":"tests/a.tftest.hcl","run":"sas_off","progress":"complete","status":"fail"}}`,
		`{"@level":"error","type":"diagnostic","diagnostic":{"severity":"error","summary":"Test assertion failed","detail":"SAS must be off.","range":{"filename":"tests/a.tftest.hcl","start":{"line":31}}}}`,
		`{"@level":"info","type":"test_summary","test_summary":{"status":"fail","passed":1,"failed":1,"errored":0,"skipped":0}}`,
	}, "\n")
	summary, problems, err := Test(strings.NewReader(in), "infra/modules/servicebus")
	if err != nil {
		t.Fatal(err)
	}
	if summary != "1 passed, 1 failed, 0 errored, 0 skipped" {
		t.Errorf("summary = %q", summary)
	}
	if len(problems) != 2 || !strings.Contains(problems[0], `run "sas_off": fail`) ||
		problems[1] != "infra/modules/servicebus/tests/a.tftest.hcl:31: error: Test assertion failed: SAS must be off." {
		t.Errorf("problems = %q", problems)
	}
}
