package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// terraformRoots lists every module and environment directory (those
// holding .tf files) under infra/modules and infra/envs, examples included.
func terraformRoots(t *testing.T) []string {
	t.Helper()
	var roots []string
	for _, top := range []string{"../../modules", "../../envs"} {
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".tf") && !slices.Contains(roots, filepath.Dir(p)) {
				roots = append(roots, filepath.Dir(p))
			}
			return nil
		})
	}
	if len(roots) == 0 {
		t.Fatal("no Terraform under infra/modules or infra/envs")
	}
	return roots
}

func parseDir(t *testing.T, dir string) []*hclsyntax.Body {
	t.Helper()
	p := hclparse.NewParser()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	var bodies []*hclsyntax.Body
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags)
		}
		bodies = append(bodies, file.Body.(*hclsyntax.Body))
	}
	return bodies
}

func blocks(bodies []*hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range bodies {
		for _, blk := range b.Blocks {
			if blk.Type == typ {
				out = append(out, blk)
			}
		}
	}
	return out
}

// Every variable is typed and described.
func TestEveryVariableIsTypedAndDescribed(t *testing.T) {
	for _, dir := range terraformRoots(t) {
		for _, v := range blocks(parseDir(t, dir), "variable") {
			for _, attr := range []string{"type", "description"} {
				if _, ok := v.Body.Attributes[attr]; !ok {
					t.Errorf("%s: variable %q has no %s", dir, v.Labels[0], attr)
				}
			}
		}
	}
}

// Every module and environment pins each provider it uses with "~>" and
// pins Terraform itself.
func TestEveryModulePinsItsProviders(t *testing.T) {
	for _, dir := range terraformRoots(t) {
		bodies := parseDir(t, dir)
		used := map[string]bool{}
		for _, typ := range []string{"resource", "data"} {
			for _, b := range blocks(bodies, typ) {
				prefix, _, _ := strings.Cut(b.Labels[0], "_")
				if prefix != "terraform" { // terraform_data is built in
					used[prefix] = true
				}
			}
		}
		pinned := map[string]string{}
		hasRequiredVersion := false
		for _, tf := range blocks(bodies, "terraform") {
			if _, ok := tf.Body.Attributes["required_version"]; ok {
				hasRequiredVersion = true
			}
			for _, rp := range tf.Body.Blocks {
				if rp.Type != "required_providers" {
					continue
				}
				for name, attr := range rp.Body.Attributes {
					src := string(attr.Expr.Range().SliceBytes(readFile(t, attr.Expr.Range().Filename)))
					pinned[name] = src
				}
			}
		}
		if len(used) > 0 && !hasRequiredVersion {
			t.Errorf("%s: no required_version", dir)
		}
		for p := range used {
			spec, ok := pinned[p]
			if !ok {
				// Examples call ../../ and may inherit; modules and envs may not.
				if !strings.Contains(dir, "examples") {
					t.Errorf("%s: provider %q used but not in required_providers", dir, p)
				}
				continue
			}
			if !regexp.MustCompile(`version\s*=\s*"~>\s*\d+\.\d+`).MatchString(spec) {
				t.Errorf("%s: provider %q is not pinned with ~> major.minor: %s", dir, p, spec)
			}
		}
	}
}

var fileCache = map[string][]byte{}

func readFile(t *testing.T, name string) []byte {
	if b, ok := fileCache[name]; ok {
		return b
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	fileCache[name] = b
	return b
}

// No secret is written into the code, and nothing authenticates with keys:
// identities and Entra ID only.
func TestNoSecretLiteralsOrKeyAuth(t *testing.T) {
	forbidden := []*regexp.Regexp{
		regexp.MustCompile(`(?i)local_auth_enabled\s*=\s*true`),
		regexp.MustCompile(`(?i)admin_enabled\s*=\s*true`),
		regexp.MustCompile(`(?i)access_keys_authentication_enabled\s*=\s*true`),
		regexp.MustCompile(`(?i)non_ssl_port_enabled\s*=\s*true`),
		regexp.MustCompile(`(?i)azurerm_servicebus_(namespace|queue)_authorization_rule`),
		regexp.MustCompile(`(?i)(primary|secondary)_(access_key|connection_string|key)\b`),
		regexp.MustCompile(`(?i)SharedAccessKey`),
		regexp.MustCompile(`(?i)(password|secret|client_secret|token)\s*=\s*"[^"$]{6,}"`),
	}
	for _, dir := range terraformRoots(t) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		for _, f := range files {
			src := readFile(t, f)
			for _, re := range forbidden {
				if loc := re.FindIndex(src); loc != nil {
					t.Errorf("%s: forbidden %q", f, src[loc[0]:loc[1]])
				}
			}
		}
	}
}

// Every output the deployer reads is declared by every environment, and
// sensitive-looking outputs are marked sensitive.
func TestEveryEnvironmentDeclaresTheDeployerOutputs(t *testing.T) {
	envs, _ := filepath.Glob("../../envs/*")
	envs = append(envs, "../testdata/fixture")
	if len(envs) < 3 {
		t.Fatalf("environments found: %v, want azure, kind and the fixture", envs)
	}
	for _, env := range envs {
		declared := map[string]*hclsyntax.Block{}
		for _, o := range blocks(parseDir(t, env), "output") {
			declared[o.Labels[0]] = o
		}
		for _, name := range OutputNames {
			if declared[name] == nil {
				t.Errorf("%s: output %q missing", env, name)
			}
		}
		for name, o := range declared {
			if regexp.MustCompile(`kube_?config|password|secret|key$`).MatchString(name) {
				if attr, ok := o.Body.Attributes["sensitive"]; !ok || !isTrue(attr) {
					t.Errorf("%s: output %q should be sensitive", env, name)
				}
			}
		}
	}
}

func isTrue(a *hclsyntax.Attribute) bool {
	v, diags := a.Expr.Value(&hcl.EvalContext{})
	return !diags.HasErrors() && v.True()
}
