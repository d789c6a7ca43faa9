// Package runfile reads the Dapr CLI multi-app run template (dapr.yaml), so
// the same file drives `dapr run -f .` and this repository's launcher.
package runfile

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a multi-app run template. Only the fields the launcher acts on are
// modelled; the Dapr CLI's other fields are accepted and ignored.
type File struct {
	Version int   `yaml:"version"`
	Common  App   `yaml:"common"`
	Apps    []App `yaml:"apps"`

	// Dir is the directory the file was read from; relative paths in it
	// are resolved against Dir, as the Dapr CLI does.
	Dir string `yaml:"-"`
}

// App is one application and the daprd sidecar that runs beside it.
type App struct {
	AppID                string            `yaml:"appID"`
	AppDirPath           string            `yaml:"appDirPath"`
	ResourcesPath        string            `yaml:"resourcesPath"`
	ResourcesPaths       []string          `yaml:"resourcesPaths"`
	ConfigFilePath       string            `yaml:"configFilePath"`
	AppProtocol          string            `yaml:"appProtocol"`
	AppPort              int               `yaml:"appPort"`
	AppHealthCheckPath   string            `yaml:"appHealthCheckPath"`
	EnableAppHealthCheck bool              `yaml:"enableAppHealthCheck"`
	DaprHTTPPort         int               `yaml:"daprHTTPPort"`
	DaprGRPCPort         int               `yaml:"daprGRPCPort"`
	DaprInternalGRPCPort int               `yaml:"daprInternalGRPCPort"`
	MetricsPort          int               `yaml:"metricsPort"`
	LogLevel             string            `yaml:"logLevel"`
	AppMaxConcurrency    int               `yaml:"appMaxConcurrency"`
	MaxBodySize          string            `yaml:"maxBodySize"`
	Command              []string          `yaml:"command"`
	Env                  map[string]string `yaml:"env"`
}

// Load reads and validates a run file. path may be the file or the directory
// holding dapr.yaml.
func Load(path string) (*File, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "dapr.yaml")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read run file: %w", err)
	}
	var f File
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	f.Dir = abs
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

func (f *File) validate() error {
	if f.Version != 1 {
		return fmt.Errorf("version: want 1, got %d", f.Version)
	}
	if len(f.Apps) == 0 {
		return errors.New("apps: at least one app is required")
	}
	seen := map[string]bool{}
	var errs []error
	for i, a := range f.Apps {
		switch {
		case a.AppID == "":
			errs = append(errs, fmt.Errorf("apps[%d].appID: required", i))
		case seen[a.AppID]:
			errs = append(errs, fmt.Errorf("apps[%d].appID: %q appears twice", i, a.AppID))
		}
		seen[a.AppID] = true
		if a.AppDirPath == "" {
			errs = append(errs, fmt.Errorf("apps[%d].appDirPath: required", i))
		}
		if len(a.Command) == 0 {
			errs = append(errs, fmt.Errorf("apps[%d].command: required", i))
		}
	}
	return errors.Join(errs...)
}

// Resolved returns each app with the common section merged in (app values
// win) and every path made absolute.
func (f *File) Resolved() []App {
	out := make([]App, 0, len(f.Apps))
	for _, a := range f.Apps {
		c := f.Common
		r := a
		r.AppDirPath = f.abs(a.AppDirPath)
		paths := a.ResourcesPaths
		if len(paths) == 0 && a.ResourcesPath != "" {
			paths = []string{a.ResourcesPath}
		}
		if len(paths) == 0 {
			paths = c.ResourcesPaths
		}
		if len(paths) == 0 && c.ResourcesPath != "" {
			paths = []string{c.ResourcesPath}
		}
		r.ResourcesPaths = make([]string, len(paths))
		for i, p := range paths {
			r.ResourcesPaths[i] = f.abs(p)
		}
		r.ResourcesPath = ""
		r.ConfigFilePath = f.abs(first(a.ConfigFilePath, c.ConfigFilePath))
		r.AppProtocol = first(a.AppProtocol, c.AppProtocol, "http")
		r.LogLevel = first(a.LogLevel, c.LogLevel, "info")
		r.MaxBodySize = first(a.MaxBodySize, c.MaxBodySize)
		r.AppHealthCheckPath = first(a.AppHealthCheckPath, c.AppHealthCheckPath)
		r.EnableAppHealthCheck = a.EnableAppHealthCheck || c.EnableAppHealthCheck
		r.Env = map[string]string{}
		maps.Copy(r.Env, c.Env)
		maps.Copy(r.Env, a.Env)
		out = append(out, r)
	}
	return out
}

func (f *File) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return filepath.Join(f.Dir, p)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
