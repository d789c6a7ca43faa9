package kindnode

import (
	"archive/tar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The node's containerd runs this node's pause and finds Debian's CNI
// plugins; the rest of kind's config is kept.
func TestContainerdConfig(t *testing.T) {
	in := "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.10\"\n  restrict_oom_score_adj = false\n"
	out := containerdConfig(in, "3.10.1")
	for _, want := range []string{`sandbox_image = "registry.k8s.io/pause:3.10.1"`, `bin_dir = "/usr/lib/cni"`, "restrict_oom_score_adj = false", "version = 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pause:3.10\"") {
		t.Errorf("kind's pause is still named:\n%s", out)
	}
}

// The units kind's Dockerfile deletes, on merged /usr too; nothing else.
func TestRemoved(t *testing.T) {
	for _, name := range []string{
		"usr/lib/systemd/system/multi-user.target.wants/getty.target",
		"lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service",
		"usr/lib/systemd/system/sockets.target.wants/systemd-udevd-control.socket",
		"etc/systemd/system/timers.target.wants/apt-daily.timer",
	} {
		if !removed(name) {
			t.Errorf("%s should be removed", name)
		}
	}
	for _, name := range []string{
		"usr/lib/systemd/system/sysinit.target.wants/systemd-journald.service",
		"usr/lib/systemd/system/sockets.target.wants/systemd-journald.socket",
		"etc/systemd/system/multi-user.target.wants",
		"usr/bin/systemctl",
	} {
		if removed(name) {
			t.Errorf("%s should be kept", name)
		}
	}
}

// kube-proxy's image gets iptables and everything it depends on, from a
// merged-/usr root filesystem, and nothing unrelated.
func TestPackageFilesFollowsDependencies(t *testing.T) {
	rootfs := filepath.Join(t.TempDir(), "rootfs.tar")
	f, err := os.Create(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	add := func(name, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "./lib", Typeflag: tar.TypeSymlink, Linkname: "usr/lib"}); err != nil {
		t.Fatal(err)
	}
	add("./var/lib/dpkg/status", "Package: iptables\nDepends: libxtables12 (>= 1.8), libc6 | libc6.1\n\nPackage: libxtables12\nPre-Depends: libc6:any\n\nPackage: libc6\n\nPackage: bash\nDepends: libc6\n")
	add("./var/lib/dpkg/info/iptables.list", "/.\n/usr/sbin/xtables-nft-multi\n")
	add("./var/lib/dpkg/info/libxtables12:amd64.list", "/lib/x86_64-linux-gnu/libxtables.so.12\n")
	add("./var/lib/dpkg/info/libc6:amd64.list", "/lib/x86_64-linux-gnu/libc.so.6\n")
	add("./var/lib/dpkg/info/bash.list", "/usr/bin/bash\n")
	add("./usr/sbin/xtables-nft-multi", "x")
	add("./usr/lib/x86_64-linux-gnu/libxtables.so.12", "x")
	add("./usr/lib/x86_64-linux-gnu/libc.so.6", "x")
	add("./usr/bin/bash", "x")
	add("./etc/alternatives/iptables", "x")
	if err := tw.WriteHeader(&tar.Header{Name: "./usr/sbin/iptables", Typeflag: tar.TypeSymlink, Linkname: "/etc/alternatives/iptables"}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	files, err := packageFiles(rootfs, "iptables")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.hdr.Name)
	}
	slices.Sort(got)
	want := []string{"etc/alternatives/iptables", "lib", "usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libxtables.so.12", "usr/sbin/iptables", "usr/sbin/xtables-nft-multi"}
	if !slices.Equal(got, want) {
		t.Errorf("files = %v\nwant    %v", got, want)
	}
}

// Cache keys change with any part and are stable otherwise.
func TestKey(t *testing.T) {
	first, again := Key("a", "b"), Key("a", "b")
	if first != again {
		t.Error("key is not stable")
	}
	if Key("a", "b") == Key("ab") || Key("a", "b") == Key("a", "c") {
		t.Error("different inputs share a key")
	}
}

// The node's root filesystem keeps the cache key it had before Rootfs was
// shared (a refactor must not rebuild it); options change the key.
func TestRootfsDirKey(t *testing.T) {
	r := Rootfs{Name: "rootfs", Recipe: recipe, Suite: Suite, Mirror: "http://m", Packages: Packages}
	want := filepath.Join("/c", "rootfs-"+Suite+"-"+Key(recipe, Suite, "http://m", strings.Join(Packages, ",")))
	if got := r.Dir("/c"); got != want {
		t.Errorf("Dir = %s, want %s", got, want)
	}
	r.Options = []string{"--dpkgopt=x"}
	if r.Dir("/c") == want {
		t.Error("options do not change the key")
	}
}
