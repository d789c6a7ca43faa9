// Package mirror installs the stand-in provider into a Terraform filesystem
// mirror (unpacked layout), once per provider of a schema file, and writes
// the CLI configuration that installs those providers from it.
package mirror

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/airdisplay/platform/infra/terraform/standin/schema"
)

// SchemaFileName is the file beside each installed copy that holds the
// schema it serves.
const SchemaFileName = "standin-schema.json"

// Package is one installed provider.
type Package struct {
	Address string           `json:"address"` // registry.terraform.io/hashicorp/azurerm
	Version string           `json:"version"`
	Schema  *schema.Provider `json:"-"`
	Raw     json.RawMessage  `json:"schema"`
}

// Install copies the executable at self into mirrorDir as every provider
// named in versions (address → version), each beside its schema taken from
// the schemas file. Earlier versions of those providers in the mirror are
// removed.
func Install(self, schemasPath, mirrorDir string, versions map[string]string) ([]Package, error) {
	file, err := schema.ReadFile(schemasPath)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, 0, len(versions))
	for a := range versions {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var out []Package
	for _, addr := range addrs {
		raw, ok := file.ProviderSchemas[addr]
		if !ok {
			return nil, fmt.Errorf("%s is not in %s (it has %s)", addr, schemasPath, strings.Join(file.Addresses(), ", "))
		}
		if _, err := schema.DecodeProvider(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		pkg := Package{Address: addr, Version: versions[addr], Raw: raw}
		if err := install(self, mirrorDir, pkg); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		out = append(out, pkg)
	}
	return out, nil
}

// Dir is the unpacked-layout directory of a provider package:
// HOSTNAME/NAMESPACE/TYPE/VERSION/OS_ARCH.
func Dir(mirrorDir, address, version string) (string, error) {
	parts := strings.Split(address, "/")
	if len(parts) != 3 {
		return "", fmt.Errorf("provider address %q is not HOSTNAME/NAMESPACE/TYPE", address)
	}
	return filepath.Join(mirrorDir, parts[0], parts[1], parts[2], version, runtime.GOOS+"_"+runtime.GOARCH), nil
}

func install(self, mirrorDir string, pkg Package) error {
	dir, err := Dir(mirrorDir, pkg.Address, pkg.Version)
	if err != nil {
		return err
	}
	typeDir := filepath.Dir(filepath.Dir(dir))
	if err := os.RemoveAll(typeDir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := "terraform-provider-" + filepath.Base(typeDir) + "_v" + pkg.Version
	if err := copyFile(self, filepath.Join(dir, name), 0o755); err != nil {
		return err
	}
	doc, err := json.Marshal(pkg)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SchemaFileName), doc, 0o644)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Load reads the schema installed beside the executable at self.
func Load(self string) (*Package, error) {
	path := filepath.Join(filepath.Dir(self), SchemaFileName)
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no schema beside the stand-in (install it with `terraform-provider-standin install`): %w", err)
	}
	var pkg Package
	if err := json.Unmarshal(doc, &pkg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pkg.Schema, err = schema.DecodeProvider(pkg.Raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pkg, nil
}

// WriteCLIConfig writes a Terraform CLI configuration that installs the
// given providers from the mirror only, and every other one as usual.
func WriteCLIConfig(path, mirrorDir string, pkgs []Package) error {
	abs, err := filepath.Abs(mirrorDir)
	if err != nil {
		return err
	}
	quoted := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		quoted = append(quoted, strconv.Quote(p.Address))
	}
	list := "[" + strings.Join(quoted, ", ") + "]"
	doc := fmt.Sprintf(`# Written by terraform-provider-standin install: the providers below come
# from the schema-only stand-in in the mirror, never from the registry.
provider_installation {
  filesystem_mirror {
    path    = %s
    include = %s
  }
  direct {
    exclude = %s
  }
}
`, strconv.Quote(abs), list, list)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
