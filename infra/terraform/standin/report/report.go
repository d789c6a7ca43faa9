// Package report turns Terraform's machine-readable output (`validate
// -json`, `test -json`) into the lines make test-terraform prints:
// FILE:LINE: SEVERITY: SUMMARY: DETAIL.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
)

// Diagnostic is one of Terraform's JSON diagnostics.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Range    *struct {
		Filename string `json:"filename"`
		Start    struct {
			Line int `json:"line"`
		} `json:"start"`
	} `json:"range"`
}

// Line formats a diagnostic, its file relative to dir.
func (d Diagnostic) Line(dir string) string {
	where := dir
	if d.Range != nil && d.Range.Filename != "" {
		where = fmt.Sprintf("%s:%d", path.Clean(path.Join(dir, d.Range.Filename)), d.Range.Start.Line)
	}
	s := fmt.Sprintf("%s: %s: %s", where, d.Severity, d.Summary)
	if detail := strings.Join(strings.Fields(d.Detail), " "); detail != "" {
		s += ": " + detail
	}
	return s
}

// Validate reads `terraform validate -json` and returns every diagnostic,
// warnings included, formatted; an error when the input is not that.
func Validate(r io.Reader, dir string) ([]string, error) {
	var v struct {
		Valid       *bool        `json:"valid"`
		Diagnostics []Diagnostic `json:"diagnostics"`
	}
	if err := json.NewDecoder(r).Decode(&v); err != nil || v.Valid == nil {
		return nil, fmt.Errorf("not the output of terraform validate -json (%v)", err)
	}
	out := make([]string, 0, len(v.Diagnostics))
	for _, d := range v.Diagnostics {
		out = append(out, d.Line(dir))
	}
	if !*v.Valid && len(out) == 0 {
		out = append(out, dir+": error: invalid configuration without diagnostics")
	}
	return out, nil
}

// Test reads `terraform test -json` and returns its summary ("N passed, N
// failed, N errored, N skipped") and the error diagnostics and failed runs.
func Test(r io.Reader, dir string) (summary string, problems []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		var msg struct {
			Level      string      `json:"@level"`
			Type       string      `json:"type"`
			Diagnostic *Diagnostic `json:"diagnostic"`
			TestRun    *struct {
				Path     string `json:"path"`
				Run      string `json:"run"`
				Progress string `json:"progress"`
				Status   string `json:"status"`
			} `json:"test_run"`
			Summary *struct {
				Passed, Failed, Errored, Skipped int
			} `json:"test_summary"`
		}
		if json.Unmarshal(sc.Bytes(), &msg) != nil {
			problems = append(problems, dir+": "+strings.TrimSpace(sc.Text()))
			continue
		}
		switch {
		case msg.Summary != nil:
			s := msg.Summary
			summary = fmt.Sprintf("%d passed, %d failed, %d errored, %d skipped", s.Passed, s.Failed, s.Errored, s.Skipped)
		case msg.Diagnostic != nil && msg.Diagnostic.Severity == "error":
			problems = append(problems, msg.Diagnostic.Line(dir))
		case msg.TestRun != nil && msg.TestRun.Progress == "complete" && msg.TestRun.Status != "pass":
			problems = append(problems, fmt.Sprintf("%s/%s: run %q: %s", dir, msg.TestRun.Path, msg.TestRun.Run, msg.TestRun.Status))
		}
	}
	return summary, problems, sc.Err()
}
