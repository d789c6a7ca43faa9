package deploy

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Kubeconfig is the path of the deployed cluster's kubeconfig: the kind
// cluster's, or the one AKSKubeconfig wrote.
func (d *Deployer) Kubeconfig(o Outputs) string {
	if d.kind != nil {
		return d.kind.Kubeconfig
	}
	return filepath.Join(d.cfg.RepoRoot, ".local", "aks-"+o.ClusterName+".kubeconfig")
}

// Access is what `make deploy` prints at the end: how to reach the
// producer and the banner UI on the ports the README's curl examples use
// (8081, 8083), and the command that prints the API keys. kubeconfig is
// the cluster's (kind: under .local/; azure: from `az aks get-credentials`).
func (d *Deployer) Access(o Outputs, kubeconfig string) string {
	k := "kubectl"
	if kubeconfig != "" {
		k += " --kubeconfig " + kubeconfig
	}
	k += " -n " + o.Namespace
	rel := d.cfg.Release
	var b strings.Builder
	fmt.Fprintf(&b, "Reach the services (each port-forward runs until stopped):\n")
	fmt.Fprintf(&b, "  %s port-forward svc/%s-producer 8081:80 &\n", k, rel)
	fmt.Fprintf(&b, "  %s port-forward svc/%s-banner-actor 8083:80 &\n", k, rel)
	fmt.Fprintf(&b, "The API keys (client: key):\n")
	fmt.Fprintf(&b, "  %s get secret %s-api-keys -o go-template='{{range $k, $v := .data}}{{$k}}: {{$v | base64decode}}{{\"\\n\"}}{{end}}'\n", k, rel)
	fmt.Fprintf(&b, "Then the README's curl examples work with KEY='Authorization: Bearer <key>', and the live board is http://localhost:8083/#token=<key>\n")
	return b.String()
}
