package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
)

// APITokenSecrets are the Secrets (key "token") the azure flavor of the
// chart expects the deployer to provide: values-azure.yaml names them.
var APITokenSecrets = []string{"airdisplay-dapr-api-token", "airdisplay-app-api-token"}

// EnsureAPITokens creates the namespace and each API-token Secret that does
// not exist yet, with a random token. Existing Secrets are left alone, so
// tokens survive redeploys (and can be rotated or sourced elsewhere).
func (d *Deployer) EnsureAPITokens(ctx context.Context, kubeconfig, namespace string) error {
	kubectl := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := kubectl(nil, "get", "namespace", namespace); err != nil {
		if !strings.Contains(out, "NotFound") {
			return fmt.Errorf("kubectl get namespace %s: %v: %s", namespace, err, out)
		}
		if out, err := kubectl(nil, "create", "namespace", namespace); err != nil {
			return fmt.Errorf("kubectl create namespace %s: %v: %s", namespace, err, out)
		}
	}
	for _, name := range APITokenSecrets {
		out, err := kubectl(nil, "-n", namespace, "get", "secret", name)
		if err == nil {
			continue
		}
		if !strings.Contains(out, "NotFound") {
			return fmt.Errorf("kubectl get secret %s: %v: %s", name, err, out)
		}
		token := make([]byte, 32)
		if _, err := rand.Read(token); err != nil {
			return err
		}
		// The token goes through stdin, never the command line.
		manifest := fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: airdisplay\n    app.kubernetes.io/managed-by: airdisplay-deployer\ntype: Opaque\nstringData:\n  token: %s\n",
			name, namespace, hex.EncodeToString(token))
		if out, err := kubectl([]byte(manifest), "apply", "-f", "-"); err != nil {
			return fmt.Errorf("create secret %s: %v: %s", name, err, out)
		}
		fmt.Fprintf(d.cfg.Stdout, "created Secret %s/%s\n", namespace, name)
	}
	return nil
}
