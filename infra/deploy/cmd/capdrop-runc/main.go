// Command capdrop-runc is a runc wrapper for hosts whose capability bounding
// set lacks CAP_SYS_RESOURCE (some VMs and sandboxes). There, runc cannot
// grant a capability the host does not have, so every `--privileged`
// container (every kind node) fails with "unable to apply caps: operation
// not permitted". The wrapper removes that one capability from the OCI spec
// on create/run and from the --process spec on exec, then runs the real
// runc. The project's own dockerd registers it as its default runtime only on
// such hosts (see infra/deploy/engine); a normal Docker host never uses it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
)

// dropped is the capability the host cannot grant.
const dropped = "CAP_SYS_RESOURCE"

func main() {
	real, err := realRunc()
	if err != nil {
		fmt.Fprintln(os.Stderr, "capdrop-runc:", err)
		os.Exit(1)
	}
	if err := rewriteSpec(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "capdrop-runc:", err)
		os.Exit(1)
	}
	// Exec, not a child: runc's exit status, signals and file descriptors
	// (the console socket, preserved fds) must reach the caller unchanged.
	err = syscall.Exec(real, append([]string{real}, os.Args[1:]...), os.Environ())
	fmt.Fprintln(os.Stderr, "capdrop-runc: exec", real+":", err)
	os.Exit(1)
}

// realRunc finds runc on PATH (or RUNC_REAL), never this wrapper itself.
func realRunc() (string, error) {
	if p := os.Getenv("CAPDROP_RUNC_REAL"); p != "" {
		return p, nil
	}
	self, _ := os.Executable()
	for _, dir := range filepath.SplitList(os.Getenv("PATH") + ":/usr/sbin:/usr/bin:/sbin:/bin") {
		p := filepath.Join(dir, "runc")
		if st, err := os.Stat(p); err == nil && !st.IsDir() && !sameFile(p, self) {
			return p, nil
		}
	}
	return exec.LookPath("runc")
}

func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// rewriteSpec edits the spec the runc command line points at: the bundle's
// config.json for create and run, the --process file for exec.
func rewriteSpec(args []string) error {
	cmd, rest := subcommand(args)
	switch cmd {
	case "create", "run":
		bundle := flagValue(rest, "--bundle", "-b")
		if bundle == "" {
			bundle = "."
		}
		return editJSON(filepath.Join(bundle, "config.json"), func(spec map[string]any) {
			if p, ok := spec["process"].(map[string]any); ok {
				dropCap(p)
			}
		})
	case "exec":
		if p := flagValue(rest, "--process", "-p"); p != "" {
			return editJSON(p, dropCap)
		}
	}
	return nil
}

// subcommand skips runc's global flags (those before the command).
func subcommand(args []string) (string, []string) {
	valued := []string{"--root", "--log", "--log-format", "--criu", "--rootless"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 0 && a[0] != '-' {
			return a, args[i+1:]
		}
		if slices.Contains(valued, a) {
			i++
		}
	}
	return "", nil
}

func flagValue(args []string, names ...string) string {
	for i, a := range args {
		for _, n := range names {
			if a == n && i+1 < len(args) {
				return args[i+1]
			}
			if len(a) > len(n)+1 && a[:len(n)+1] == n+"=" {
				return a[len(n)+1:]
			}
		}
	}
	return ""
}

// dropCap removes the capability from every set of an OCI process.
func dropCap(process map[string]any) {
	caps, ok := process["capabilities"].(map[string]any)
	if !ok {
		return
	}
	for set, v := range caps {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		caps[set] = slices.DeleteFunc(list, func(c any) bool { return c == dropped })
	}
}

func editJSON(path string, edit func(map[string]any)) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, st.Mode().Perm())
}
