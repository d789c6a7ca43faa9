package deploy

import (
	"strings"
	"testing"
)

// The closing instructions name the Services and Secret the chart makes
// for the release, in the deployed namespace, on the README's ports.
func TestAccessNamesTheReleasesServicesAndSecret(t *testing.T) {
	d, err := New(Config{Env: "kind", RepoRoot: "../../..", EnvDir: t.TempDir(), HelmPath: "/bin/true", Release: "ad"})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Access(Outputs{Namespace: "apps"}, "/k/config")
	for _, want := range []string{
		"kubectl --kubeconfig /k/config -n apps port-forward svc/ad-producer 8081:80",
		"kubectl --kubeconfig /k/config -n apps port-forward svc/ad-banner-actor 8083:80",
		"get secret ad-api-keys",
		"http://localhost:8083/#token=",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("access instructions lack %q:\n%s", want, got)
		}
	}
}
