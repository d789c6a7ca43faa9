package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/airdisplay/platform/infra/deploy/kindcluster"
	"github.com/airdisplay/platform/infra/deploy/kindreleases"
)

// Release is one `helm upgrade --install` of the kind environment.
type Release struct {
	Name, Namespace, Chart string
	ValuesFiles            []string // later files win
	Set                    []string // --set name=value
	SetString              []string // --set-string name=value (the value stays a string)
	Timeout                time.Duration
}

// HelmArgs are the helm arguments installing or upgrading r and waiting
// until its workloads are ready (Helm's --wait: Deployments, StatefulSets,
// DaemonSets, PVCs, Services and Jobs).
func HelmArgs(r Release, kubeconfig string) []string {
	args := []string{"upgrade", "--install", r.Name, r.Chart, "--namespace", r.Namespace, "--create-namespace"}
	for _, f := range r.ValuesFiles {
		args = append(args, "-f", f)
	}
	for _, s := range r.Set {
		args = append(args, "--set", s)
	}
	for _, s := range r.SetString {
		args = append(args, "--set-string", s)
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	args = append(args, "--wait", "--timeout", timeout.String())
	if kubeconfig != "" {
		args = append(args, "--kubeconfig", kubeconfig)
	}
	return args
}

// KindReleases are the releases of infra/envs/kind in Terraform's order
// (main.tf): KEDA, the backing services (with the offline node's static
// volumes, which Dapr's scheduler claims), Dapr. Versions, names and
// namespaces come from charts.yaml, values from values/*.yaml; daprChart
// and kedaChart are the chart directories (kindreleases.DaprChart,
// kindreleases.KedaChart). The backing release declares the job queue
// jobsQueue (output jobs_queue_name, the airdisplay chart's jobsQueue.name),
// as Terraform's helm_release.backing sets rabbitmq.jobsQueue.
func KindReleases(envDir, repoRoot, daprChart, kedaChart string, pins kindreleases.Pins, namespace, jobsQueue string, offline bool) []Release {
	values := func(name string) string { return filepath.Join(envDir, "values", name+".yaml") }
	backing := []string{values("backing")}
	if offline {
		backing = append(backing, values("offline"))
	}
	return []Release{
		{Name: pins.Keda.Release, Namespace: pins.Keda.Namespace, Chart: kedaChart, ValuesFiles: []string{values("keda")}, Timeout: 10 * time.Minute},
		{Name: pins.Backing.Release, Namespace: namespace, Chart: filepath.Join(repoRoot, "helm", "airdisplay-backing"), ValuesFiles: backing,
			SetString: []string{"rabbitmq.jobsQueue=" + jobsQueue}, Timeout: 10 * time.Minute},
		{Name: pins.Dapr.Release, Namespace: pins.Dapr.Namespace, Chart: daprChart, ValuesFiles: []string{values("dapr")},
			Set: kindreleases.DaprSetValues(pins.Dapr.Version), Timeout: 15 * time.Minute},
	}
}

// OfflineNode reports whether kind clusters are made from the offline node
// image (infra/kind; KIND_NODE_IMAGE unset or "local"), which has neither
// upstream images nor a volume provisioner: values/offline.yaml applies.
func OfflineNode() bool {
	img := os.Getenv("KIND_NODE_IMAGE")
	return img == "" || img == kindcluster.LocalImage
}

// kindVariableNames are the variables of infra/envs/kind whose values
// (default or -var) are outputs of the environment.
var kindVariableNames = []string{"cluster_name", "namespace", "registry_login_server", "jobs_queue_name"}

// TerraformDefaults reads the literal defaults of the variables declared in
// a Terraform directory's *.tf files (null defaults are left out).
func TerraformDefaults(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	p := hclparse.NewParser()
	out := map[string]string{}
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s", f, diags)
		}
		for _, blk := range file.Body.(*hclsyntax.Body).Blocks {
			if blk.Type != "variable" || len(blk.Labels) != 1 {
				continue
			}
			attr, ok := blk.Body.Attributes["default"]
			if !ok {
				continue
			}
			v, diags := attr.Expr.Value(nil)
			if diags.HasErrors() || v.IsNull() || !v.IsKnown() {
				continue
			}
			switch v.Type() {
			case cty.String:
				out[blk.Labels[0]] = v.AsString()
			case cty.Number:
				out[blk.Labels[0]] = v.AsBigFloat().String()
			case cty.Bool:
				out[blk.Labels[0]] = strconv.FormatBool(v.True())
			}
		}
	}
	return out, nil
}

// KindOutputs are the outputs infra/envs/kind would give (outputs.tf),
// computed from the same sources: its variables' defaults overridden by
// -var values, and the backing chart's values (chart defaults, then
// values/backing.yaml) for the Redis Service.
func KindOutputs(envDir, repoRoot string, vars map[string]string) (Outputs, error) {
	v, err := TerraformDefaults(envDir)
	if err != nil {
		return Outputs{}, err
	}
	for _, name := range kindVariableNames {
		if val, ok := vars[name]; ok {
			v[name] = val
		}
		if v[name] == "" {
			return Outputs{}, fmt.Errorf("%s: variable %s has no default and no -var", envDir, name)
		}
	}
	backing, err := kindreleases.ReadValues(filepath.Join(repoRoot, "helm", "airdisplay-backing", "values.yaml"), filepath.Join(envDir, "values", "backing.yaml"))
	if err != nil {
		return Outputs{}, err
	}
	name, _ := kindreleases.Lookup(backing, "redis", "name")
	port, _ := kindreleases.Lookup(backing, "redis", "port")
	redisName, _ := name.(string)
	redisPort, _ := port.(float64)
	if redisName == "" || redisPort == 0 {
		return Outputs{}, fmt.Errorf("backing values: redis.name %v, redis.port %v", name, port)
	}
	return Outputs{
		Flavor: "kind", ClusterName: v["cluster_name"], RegistryLoginServer: v["registry_login_server"],
		Namespace: v["namespace"], JobsQueueName: v["jobs_queue_name"],
		RedisHost: fmt.Sprintf("%s.%s.svc.cluster.local", redisName, v["namespace"]), RedisPort: int(redisPort),
	}, nil
}

// progress prints numbered steps with the time each took.
type progress struct {
	w     io.Writer
	i, n  int
	start time.Time
}

func (p *progress) step(name string, f func() error) error {
	p.i++
	fmt.Fprintf(p.w, "==> [%d/%d] %s\n", p.i, p.n, name)
	t := time.Now()
	if err := f(); err != nil {
		fmt.Fprintf(p.w, "==> [%d/%d] %s failed after %s\n", p.i, p.n, name, time.Since(t).Round(100*time.Millisecond))
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(p.w, "==> [%d/%d] %s done in %s (%s in all)\n", p.i, p.n, name,
		time.Since(t).Round(100*time.Millisecond), time.Since(p.start).Round(time.Second))
	return nil
}

// chartCacheDir holds the charts the deployer builds (KEDA's), by version.
func chartCacheDir() string {
	if d := os.Getenv("KIND_CACHE"); d != "" {
		return filepath.Join(d, "charts")
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "airdisplay", "kind", "charts")
}

// deployKindWithHelm makes the kind environment without Terraform: the
// cluster, the images, the releases of infra/envs/kind (same charts and
// values files as its helm_release resources), then the airdisplay chart.
func (d *Deployer) deployKindWithHelm(ctx context.Context) (Outputs, error) {
	pins, err := kindreleases.ReadPins(d.cfg.EnvDir)
	if err != nil {
		return Outputs{}, err
	}
	o, err := KindOutputs(d.cfg.EnvDir, d.cfg.RepoRoot, d.cfg.Vars)
	if err != nil {
		return Outputs{}, err
	}
	// The cluster is the one asked for (-var cluster_name, else
	// Config.KindCluster: the e2e makes one of its own).
	if _, set := d.cfg.Vars["cluster_name"]; set {
		d.cfg.KindCluster = o.ClusterName
	}
	o.ClusterName = d.cfg.KindCluster
	helm, err := d.helm()
	if err != nil {
		return o, err
	}
	offline := OfflineNode()
	p := &progress{w: d.cfg.Stdout, n: 9, start: time.Now()}
	fmt.Fprintf(d.cfg.Stdout, "kind environment through Helm (%s=helm): cluster %s, offline node %v\n", ProvisionerEnv, o.ClusterName, offline)
	var kubeconfig string
	if err := p.step("kind cluster "+o.ClusterName, func() (err error) {
		kubeconfig, err = d.EnsureKindCluster(ctx)
		return err
	}); err != nil {
		return o, err
	}
	// Every image goes into the nodes before any release waits for its pods.
	if err := p.step("images into the nodes", func() error { return d.loadKindImages(ctx) }); err != nil {
		return o, err
	}
	if err := p.step("static volume directories", func() error {
		if !offline {
			fmt.Fprintln(d.cfg.Stdout, "upstream node image: its provisioner makes the volumes")
			return nil
		}
		return d.prepareStaticVolumes()
	}); err != nil {
		return o, err
	}
	var daprChart, kedaChart string
	if err := p.step(fmt.Sprintf("charts: Dapr %s (Go module), KEDA %s (built from its manifests)", pins.Dapr.Version, pins.Keda.Version), func() (err error) {
		if daprChart, err = kindreleases.DaprChart(ctx, pins.Dapr.Version); err != nil {
			return err
		}
		kedaChart, err = kindreleases.KedaChart(ctx, pins.Keda.Version, chartCacheDir())
		return err
	}); err != nil {
		return o, err
	}
	for _, r := range KindReleases(d.cfg.EnvDir, d.cfg.RepoRoot, daprChart, kedaChart, pins, o.Namespace, o.JobsQueueName, offline) {
		if err := p.step(fmt.Sprintf("release %s (namespace %s)", r.Name, r.Namespace), func() error {
			cmd := exec.CommandContext(ctx, helm, HelmArgs(r, kubeconfig)...)
			cmd.Stdout, cmd.Stderr = d.cfg.Stdout, d.cfg.Stdout
			return cmd.Run()
		}); err != nil {
			return o, err
		}
	}
	if err := p.step("KEDA's external metrics API", func() error {
		return WaitForKEDAMetrics(ctx, kubeconfig, d.cfg.Stdout)
	}); err != nil {
		return o, err
	}
	return o, p.step("chart airdisplay", func() error { return d.HelmInstall(ctx, o, kubeconfig) })
}

// loadKindImages loads the services' images and, on the offline node
// image (nothing can be pulled), those of Dapr, KEDA, Redis and RabbitMQ,
// built here and cached by pin: before any release waits for its pods.
func (d *Deployer) loadKindImages(ctx context.Context) error {
	if err := d.LoadImagesIntoKind(ctx); err != nil {
		return err
	}
	if !d.kind.Offline {
		fmt.Fprintln(d.cfg.Stdout, "kind: upstream node image: the nodes pull the Dapr, KEDA, Redis and RabbitMQ images")
		return nil
	}
	_, err := d.LoadPlatformImagesIntoKind(ctx)
	return err
}

// prepareStaticVolumes creates, on every node, the directories of the
// backing chart's static volumes (values/offline.yaml), writable by any
// user as kind's local-path provisioner makes them: Dapr's scheduler runs
// as a non-root user and hostPath volumes get no fsGroup.
func (d *Deployer) prepareStaticVolumes() error {
	v, err := kindreleases.ReadValues(filepath.Join(d.cfg.RepoRoot, "helm", "airdisplay-backing", "values.yaml"),
		filepath.Join(d.cfg.EnvDir, "values", "backing.yaml"), filepath.Join(d.cfg.EnvDir, "values", "offline.yaml"))
	if err != nil {
		return err
	}
	dirs, err := StaticVolumeDirs(v)
	if err != nil || len(dirs) == 0 {
		return err
	}
	if err := d.kind.Exec(append([]string{"mkdir", "-p"}, dirs...)...); err != nil {
		return err
	}
	if err := d.kind.Exec(append([]string{"chmod", "0777"}, dirs...)...); err != nil {
		return err
	}
	fmt.Fprintf(d.cfg.Stdout, "made %s on the nodes\n", strings.Join(dirs, ", "))
	return nil
}

// StaticVolumeDirs are the node directories of the backing chart's static
// volumes (templates/volumes.yaml), none when they are off.
func StaticVolumeDirs(values map[string]any) ([]string, error) {
	on, _ := kindreleases.Lookup(values, "staticVolumes", "enabled")
	if on != true {
		return nil, nil
	}
	count, _ := kindreleases.Lookup(values, "staticVolumes", "count")
	base, _ := kindreleases.Lookup(values, "staticVolumes", "hostPath")
	n, _ := count.(float64)
	dir, _ := base.(string)
	if !strings.HasPrefix(dir, "/") {
		return nil, fmt.Errorf("staticVolumes.hostPath %v: want an absolute path", base)
	}
	var out []string
	for i := 0; i < int(n); i++ {
		out = append(out, fmt.Sprintf("%s/volume-%d", strings.TrimSuffix(dir, "/"), i))
	}
	return out, nil
}
