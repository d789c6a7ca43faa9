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

// APIKeysSecret is the Secret of API keys (client name → key) the azure
// flavor's producer and banner-actor read through the Dapr kubernetes
// secret store (values-azure.yaml auth.existingSecret). The deployer
// creates it with one random key for client APIKeysClient; add, rotate or
// remove entries with kubectl (the services reload it every minute).
const (
	APIKeysSecret = "airdisplay-api-keys"
	APIKeysClient = "deployer"
)

// EnsureAPITokens creates the namespace and each API-token Secret (and the
// API key Secret) that does not exist yet, with a random token. Existing Secrets are left alone, so
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
	secrets := map[string]string{APIKeysSecret: APIKeysClient}
	for _, name := range APITokenSecrets {
		secrets[name] = "token"
	}
	for name, key := range secrets {
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
		manifest := fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: airdisplay\n    app.kubernetes.io/managed-by: airdisplay-deployer\ntype: Opaque\nstringData:\n  %s: %s\n",
			name, namespace, key, hex.EncodeToString(token))
		if out, err := kubectl([]byte(manifest), "apply", "-f", "-"); err != nil {
			return fmt.Errorf("create secret %s: %v: %s", name, err, out)
		}
		fmt.Fprintf(d.cfg.Stdout, "created Secret %s/%s\n", namespace, name)
	}
	return nil
}
