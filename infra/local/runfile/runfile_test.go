package runfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dapr.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCommonValuesMergeAndPathsResolveAgainstTheFile(t *testing.T) {
	dir := write(t, `
version: 1
common:
  resourcesPath: ./components/local
  configFilePath: ./components/local/config/platform.yaml
  appProtocol: grpc
  env: {LOG_LEVEL: info, SHARED: "1"}
apps:
  - appID: producer
    appDirPath: ./services/producer
    command: ["go", "run", "./cmd/producer"]
    appPort: 8081
    env: {LOG_LEVEL: debug}
  - appID: consumer
    appDirPath: ./services/consumer
    appProtocol: http
    resourcesPaths: [./a, ./b]
    command: ["./consumer"]
`)
	f, err := Load(dir) // a directory means its dapr.yaml
	if err != nil {
		t.Fatal(err)
	}
	apps := f.Resolved()
	p, c := apps[0], apps[1]
	if p.AppDirPath != filepath.Join(dir, "services/producer") {
		t.Errorf("appDirPath %q", p.AppDirPath)
	}
	if len(p.ResourcesPaths) != 1 || p.ResourcesPaths[0] != filepath.Join(dir, "components/local") {
		t.Errorf("common resourcesPath not applied: %v", p.ResourcesPaths)
	}
	if p.ConfigFilePath != filepath.Join(dir, "components/local/config/platform.yaml") {
		t.Errorf("configFilePath %q", p.ConfigFilePath)
	}
	if p.AppProtocol != "grpc" || c.AppProtocol != "http" {
		t.Errorf("appProtocol: producer %q (want common grpc), consumer %q (want its own http)", p.AppProtocol, c.AppProtocol)
	}
	if p.Env["LOG_LEVEL"] != "debug" || p.Env["SHARED"] != "1" || c.Env["LOG_LEVEL"] != "info" {
		t.Errorf("env merge: producer %v consumer %v", p.Env, c.Env)
	}
	if len(c.ResourcesPaths) != 2 || c.ResourcesPaths[1] != filepath.Join(dir, "b") {
		t.Errorf("app resourcesPaths: %v", c.ResourcesPaths)
	}
}

func TestInvalidFilesNameEveryProblem(t *testing.T) {
	dir := write(t, `
version: 1
apps:
  - appDirPath: ./x
    command: [x]
  - appID: a
    command: [x]
  - appID: a
    appDirPath: ./y
`)
	_, err := Load(dir)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"apps[0].appID: required", "apps[1].appDirPath: required", `apps[2].appID: "a" appears twice`, "apps[2].command: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestTheRepositoryRunFileLoads(t *testing.T) {
	f, err := Load("../../../dapr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range f.Resolved() {
		ids[a.AppID] = true
		if _, err := os.Stat(a.AppDirPath); err != nil {
			t.Errorf("%s: appDirPath %s: %v", a.AppID, a.AppDirPath, err)
		}
		for _, r := range a.ResourcesPaths {
			if _, err := os.Stat(r); err != nil {
				t.Errorf("%s: resources path %s: %v", a.AppID, r, err)
			}
		}
		if a.Env["DAPR_API_TOKEN"] == "" || a.Env["APP_API_TOKEN"] == "" {
			t.Errorf("%s runs without API tokens", a.AppID)
		}
	}
	for _, want := range []string{"producer", "consumer", "banner-actor"} {
		if !ids[want] {
			t.Errorf("dapr.yaml has no %s", want)
		}
	}
}
