package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const spec = `{"ociVersion":"1.0.2","process":{"capabilities":{
 "bounding":["CAP_CHOWN","CAP_SYS_RESOURCE","CAP_SYS_ADMIN"],
 "effective":["CAP_SYS_RESOURCE"],"permitted":["CAP_SYS_RESOURCE","CAP_KILL"]}},"root":{"path":"rootfs"}}`

func caps(t *testing.T, path string, process bool) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Process struct {
			Capabilities map[string][]string `json:"capabilities"`
		} `json:"process"`
		Capabilities map[string][]string `json:"capabilities"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if process {
		return doc.Capabilities
	}
	return doc.Process.Capabilities
}

// create and run: the bundle's config.json loses CAP_SYS_RESOURCE from
// every set and keeps everything else.
func TestCreateDropsTheCapabilityFromTheBundle(t *testing.T) {
	for _, cmdline := range []func(bundle string) []string{
		func(b string) []string {
			return []string{"--root", "/run/runc", "--log", "x.log", "create", "--bundle", b, "id"}
		},
		func(b string) []string { return []string{"run", "-b", b, "id"} },
		func(b string) []string { return []string{"--systemd-cgroup", "create", "--bundle=" + b, "id"} },
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "config.json")
		if err := os.WriteFile(cfg, []byte(spec), 0o600); err != nil {
			t.Fatal(err)
		}
		args := cmdline(dir)
		if err := rewriteSpec(args); err != nil {
			t.Fatal(err)
		}
		got := caps(t, cfg, false)
		for set, list := range got {
			if slices.Contains(list, dropped) {
				t.Errorf("%v: %s still has %s: %v", args, set, dropped, list)
			}
		}
		if !slices.Equal(got["bounding"], []string{"CAP_CHOWN", "CAP_SYS_ADMIN"}) || !slices.Equal(got["permitted"], []string{"CAP_KILL"}) {
			t.Errorf("%v: other capabilities changed: %v", args, got)
		}
		raw, _ := os.ReadFile(cfg)
		if !json.Valid(raw) || !strings.Contains(string(raw), `"root":{"path":"rootfs"}`) {
			t.Errorf("%v: the rest of the spec was not kept: %s", args, raw)
		}
	}
}

// exec: the --process file is rewritten, nothing else is read.
func TestExecDropsTheCapabilityFromTheProcess(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "process.json")
	if err := os.WriteFile(p, []byte(`{"args":["sh"],"capabilities":{"bounding":["CAP_SYS_RESOURCE","CAP_NET_ADMIN"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewriteSpec([]string{"--root", "/run/runc", "exec", "--process", p, "--detach", "id"}); err != nil {
		t.Fatal(err)
	}
	if got := caps(t, p, true)["bounding"]; !slices.Equal(got, []string{"CAP_NET_ADMIN"}) {
		t.Errorf("bounding = %v, want [CAP_NET_ADMIN]", got)
	}
}

// Every other command passes through untouched.
func TestOtherCommandsAreNotTouched(t *testing.T) {
	if err := rewriteSpec([]string{"--root", "/run/runc", "state", "id"}); err != nil {
		t.Fatal(err)
	}
	if err := rewriteSpec([]string{"--version"}); err != nil {
		t.Fatal(err)
	}
}
