package kindimages

import (
	"archive/tar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A Dapr 1.16-shaped chart: one image per control-plane binary, the
// injector's subchart naming both the sidecar (image) and itself
// (injectorImage); rbac and config subcharts run nothing.
func TestDaprChartImages(t *testing.T) {
	dir := t.TempDir()
	tmpl := func(bin string) string {
		return "spec:\n      containers:\n        command:\n{{- if eq .Values.debug.enabled false }}\n        - \"/" + bin + "\"\n{{- else }}\n        - \"/dlv\"\n{{- end }}\n        args:\n"
	}
	write(t, dir, map[string]string{
		"values.yaml":                              "global:\n  registry: ghcr.io/dapr\n  tag: 'edge'\n",
		"charts/dapr_rbac/values.yaml":             "serviceAccount: {}\n",
		"charts/dapr_operator/values.yaml":         "image:\n  name: \"operator\"\n",
		"charts/dapr_operator/templates/d.yaml":    tmpl("operator"),
		"charts/dapr_placement/values.yaml":        "image:\n  name: \"placement\"\n",
		"charts/dapr_placement/templates/s.yaml":   tmpl("placement"),
		"charts/dapr_sidecar_injector/values.yaml": "image:\n  name: \"daprd\"\ninjectorImage:\n  name: \"injector\"\n",
		"charts/dapr_sidecar_injector/templates/d.yaml": tmpl("injector") +
			"        - name: SIDECAR_IMAGE\n          value: \"{{ .Values.global.registry }}/{{ .Values.image.name }}:{{ .Values.global.tag }}\"\n",
	})
	reg, images, err := daprChartImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []daprImage{{"daprd", "daprd"}, {"injector", "injector"}, {"operator", "operator"}, {"placement", "placement"}}
	if reg != "ghcr.io/dapr" || !reflect.DeepEqual(images, want) {
		t.Errorf("got %s %v, want ghcr.io/dapr %v", reg, images, want)
	}
	refs := refsOf(Pins{Dapr: "v1.16.0", KEDA: "v2.21.0"}, reg, images, nil)
	if refs.DaprTag != "1.16.0" || refs.Dapr["daprd"] != "ghcr.io/dapr/daprd:1.16.0" || refs.Dapr["injector"] != "ghcr.io/dapr/injector:1.16.0" {
		t.Errorf("refs %+v", refs)
	}
}

// A chart whose template runs a binary under another name, or two, is
// refused rather than guessed.
func TestDaprChartImagesRefusesAmbiguousCommands(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"values.yaml":                      "global:\n  registry: r\n",
		"charts/dapr_operator/values.yaml": "image:\n  name: operator\n",
		"charts/dapr_operator/templates/a.yaml": "command:\n{{- if eq .Values.debug.enabled false }}\n - \"/a\"\n" +
			"command:\n{{- if eq .Values.debug.enabled false }}\n - \"/b\"\n",
	})
	if _, _, err := daprChartImages(dir); err == nil {
		t.Error("two commands accepted")
	}
}

// KEDA's config/: each kustomization names its image, the workload its
// command; tags are the release version without its v.
func TestKEDAConfigImages(t *testing.T) {
	dir := t.TempDir()
	k := func(img string) string {
		return "resources:\n- w.yaml\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n- name: " + img + "\n  newName: " + img + "\n  newTag: main\n"
	}
	w := func(bin string) string {
		return "spec:\n  template:\n    spec:\n      containers:\n        - name: x\n          command:\n            - /" + bin + "\n          args:\n            - --zap-log-level=info\n"
	}
	write(t, dir, map[string]string{
		"manager/kustomization.yaml":        k("ghcr.io/kedacore/keda"),
		"manager/w.yaml":                    w("keda"),
		"metrics-server/kustomization.yaml": k("ghcr.io/kedacore/keda-metrics-apiserver"),
		"metrics-server/w.yaml":             w("keda-adapter"),
		"webhooks/kustomization.yaml":       k("ghcr.io/kedacore/keda-admission-webhooks"),
		"webhooks/w.yaml":                   w("keda-admission-webhooks"),
	})
	images, err := kedaConfigImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []kedaImage{
		{"ghcr.io/kedacore/keda", "keda", "operator"},
		{"ghcr.io/kedacore/keda-metrics-apiserver", "keda-adapter", "adapter"},
		{"ghcr.io/kedacore/keda-admission-webhooks", "keda-admission-webhooks", "webhooks"},
	}
	if !reflect.DeepEqual(images, want) {
		t.Errorf("got %v\nwant %v", images, want)
	}
	refs := refsOf(Pins{Dapr: "v1.16.0", KEDA: "v2.21.0"}, "r", nil, images)
	if refs.KEDA["keda-adapter"] != "ghcr.io/kedacore/keda-metrics-apiserver:2.21.0" {
		t.Errorf("refs %+v", refs.KEDA)
	}
	if got := len(refs.All()); got != 5 {
		t.Errorf("All has %d refs, want 3 KEDA + Redis + RabbitMQ", got)
	}
}

func TestUpstreamVersion(t *testing.T) {
	for in, want := range map[string]string{
		"5:7.0.15-1~deb12u10":     "7.0.15",
		"3.10.8-1.1+deb12u1":      "3.10.8",
		"1:25.2.3+dfsg-1+deb12u4": "25.2.3+dfsg",
		"1.0":                     "1.0",
	} {
		if got := upstreamVersion(in); got != want {
			t.Errorf("upstreamVersion(%q) = %q, want %q", in, got, want)
		}
	}
	status := "Package: redis-tools\nVersion: 5:7.0.15-1~deb12u10\n\nPackage: redis-server\nStatus: install ok installed\nVersion: 5:7.0.15-1~deb12u10\n"
	if v, err := installedVersion(status, "redis-server"); err != nil || v != "5:7.0.15-1~deb12u10" {
		t.Errorf("installedVersion = %q, %v", v, err)
	}
	if _, err := installedVersion(status, "rabbitmq-server"); err == nil {
		t.Error("a missing package has a version")
	}
}

// The tags of the Debian images are the versions the builder checks.
func TestDebianImageTags(t *testing.T) {
	for _, d := range debianImages {
		if !strings.HasSuffix(d.ref, ":"+d.version) || !strings.HasPrefix(d.ref, LocalRegistry+"/"+d.name+":") {
			t.Errorf("%s: ref %s does not carry %s", d.name, d.ref, d.version)
		}
	}
}

// The Debian images' root filesystems are keyed by their own recipe and
// never share the node's cache entry.
func TestRootfsKeys(t *testing.T) {
	node := kindnode.NodeRootfs("http://m").Dir("/c")
	seen := map[string]string{node: "node"}
	for _, d := range debianImages {
		dir := d.rootfs("http://m").Dir("/c")
		if other, ok := seen[dir]; ok {
			t.Errorf("%s shares %s with %s", d.name, dir, other)
		}
		seen[dir] = d.name
		if d.rootfs("http://m").Dir("/c") != dir {
			t.Errorf("%s: key not stable", d.name)
		}
		if d.rootfs("http://other").Dir("/c") == dir {
			t.Errorf("%s: mirror not in the key", d.name)
		}
	}
}

// Pins: the kind Dapr pin must be the local stack's.
func TestReadPinsChecksDaprMatchesLocal(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"infra/kind/build/dapr/go.mod": "module x\n\ngo 1.24\n\nrequire github.com/dapr/dapr v1.16.0\n",
		"infra/kind/build/keda/go.mod": "module y\n\ngo 1.26\n\nrequire github.com/kedacore/keda/v2 v2.21.0\n",
		"infra/local/daprbuild/go.mod": "module z\n\ngo 1.24\n\nrequire github.com/dapr/dapr v1.15.0\n",
	})
	if _, err := ReadPins(root); err == nil || !strings.Contains(err.Error(), "one runtime version") {
		t.Errorf("differing Dapr pins: err = %v", err)
	}
	write(t, root, map[string]string{"infra/local/daprbuild/go.mod": "module z\n\ngo 1.24\n\nrequire github.com/dapr/dapr v1.16.0\n"})
	p, err := ReadPins(root)
	if err != nil || p.Dapr != "v1.16.0" || p.KEDA != "v2.21.0" {
		t.Errorf("ReadPins = %+v, %v", p, err)
	}
}

// The repository's own pins give the names the charts expect.
func TestRepositoryPins(t *testing.T) {
	p, err := ReadPins(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if imageTag(p.Dapr) == p.Dapr || imageTag(p.KEDA) == p.KEDA {
		t.Errorf("tags keep the v: %+v", p)
	}
}

func TestArchiveName(t *testing.T) {
	if got := archiveName("ghcr.io/dapr/daprd:1.16.0"); got != "ghcr.io_dapr_daprd_1.16.0.tar" {
		t.Error(got)
	}
}

// The layer of a Debian image: no device nodes or documentation, the
// image's directories owned by its user, its files added (scripts
// executable), dropped files left out, hard links relative to the root.
func TestWriteRootfsLayer(t *testing.T) {
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs.tar")
	f, err := os.Create(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, h := range []tar.Header{
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./dev/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
		{Name: "./usr/share/doc/redis/copyright", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "./usr/bin/redis-server", Typeflag: tar.TypeReg, Mode: 0o755, Size: 3},
		{Name: "./usr/bin/redis-check-rdb", Typeflag: tar.TypeLink, Linkname: "./usr/bin/redis-server"},
		{Name: "./var/lib/redis/", Typeflag: tar.TypeDir, Mode: 0o750},
		{Name: "./var/lib/redis/.cookie", Typeflag: tar.TypeReg, Mode: 0o400},
	} {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("elf"))
		}
	}
	tw.Close()
	f.Close()
	d := debianImage{
		uid: 999, dirs: []string{"/var/lib/redis", "/data"},
		files: map[string]string{"/usr/local/bin/entry": "#!/bin/sh\n", "/etc/x.conf": "x\n"},
		drop:  []string{"/var/lib/redis/.cookie"},
	}
	layer := filepath.Join(dir, "layer.tar")
	if err := writeRootfsLayer(layer, rootfs, d); err != nil {
		t.Fatal(err)
	}
	lf, err := os.Open(layer)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	got := map[string]tar.Header{}
	tr := tar.NewReader(lf)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got[h.Name] = *h
	}
	for _, gone := range []string{"dev/null", "usr/share/doc/redis/copyright", "var/lib/redis/.cookie", "./", ""} {
		if _, ok := got[gone]; ok {
			t.Errorf("%q is in the layer", gone)
		}
	}
	for name, uid := range map[string]int{"var/lib/redis/": 999, "data/": 999, "usr/bin/redis-server": 0} {
		if h, ok := got[name]; !ok || h.Uid != uid {
			t.Errorf("%s: %+v, want uid %d", name, h, uid)
		}
	}
	if h := got["usr/bin/redis-check-rdb"]; h.Linkname != "usr/bin/redis-server" {
		t.Errorf("hard link %q", h.Linkname)
	}
	if got["usr/local/bin/entry"].Mode != 0o755 || got["etc/x.conf"].Mode != 0o644 {
		t.Errorf("modes: entry %o, conf %o", got["usr/local/bin/entry"].Mode, got["etc/x.conf"].Mode)
	}
}
