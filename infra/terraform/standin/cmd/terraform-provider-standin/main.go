// Command terraform-provider-standin is the schema-only stand-in provider.
//
// Installed into a filesystem mirror (`terraform-provider-standin install`),
// a copy of it runs as each provider found in a `terraform providers schema
// -json` file, next to a file holding that provider's schema. Started by
// Terraform, it serves the schema it finds beside itself.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/airdisplay/platform/infra/terraform/standin/mirror"
	"github.com/airdisplay/platform/infra/terraform/standin/provider"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "install" {
		if err := install(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "terraform-provider-standin install:", err)
			os.Exit(1)
		}
		return
	}
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, provider.Name+":", err)
		os.Exit(1)
	}
}

func install(args []string) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	schemas := fs.String("schemas", "", "output of `terraform providers schema -json` (.json or .json.gz)")
	dir := fs.String("mirror", "", "filesystem mirror directory to install into")
	cliConfig := fs.String("cli-config", "", "Terraform CLI configuration file to write (provider_installation from the mirror)")
	var versions versionFlags
	fs.Var(&versions, "version", "ADDRESS=VERSION of a provider in the schema file, e.g. registry.terraform.io/hashicorp/azurerm=5.2.0 (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *schemas == "" || *dir == "" || len(versions) == 0 {
		return fmt.Errorf("-schemas, -mirror and at least one -version are required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	installed, err := mirror.Install(self, *schemas, *dir, versions)
	if err != nil {
		return err
	}
	if *cliConfig != "" {
		if err := mirror.WriteCLIConfig(*cliConfig, *dir, installed); err != nil {
			return err
		}
	}
	for _, p := range installed {
		fmt.Printf("stand-in %s %s\n", p.Address, p.Version)
	}
	return nil
}

func serve() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	pkg, err := mirror.Load(self)
	if err != nil {
		return err
	}
	srv, err := provider.New(pkg.Address, pkg.Version, pkg.Schema)
	if err != nil {
		return err
	}
	return tf6server.Serve(pkg.Address, func() tfprotov6.ProviderServer { return srv })
}

type versionFlags map[string]string

func (v *versionFlags) String() string { return fmt.Sprint(map[string]string(*v)) }

func (v *versionFlags) Set(s string) error {
	addr, ver, ok := strings.Cut(s, "=")
	if !ok || addr == "" || ver == "" {
		return fmt.Errorf("want ADDRESS=VERSION, got %q", s)
	}
	if *v == nil {
		*v = versionFlags{}
	}
	(*v)[addr] = ver
	return nil
}
