package kindimages

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

// The kind environment's offline values (infra/envs/kind/values/offline.yaml)
// name the Redis and RabbitMQ images this package builds, and the users
// they run as: the two must not drift apart.
func TestOfflineValuesNameTheImagesBuiltHere(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "envs", "kind", "values", "offline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type svc struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
		} `json:"image"`
		RunAsUser  int `json:"runAsUser"`
		RunAsGroup int `json:"runAsGroup"`
	}
	var v struct {
		Redis    svc `json:"redis"`
		RabbitMQ svc `json:"rabbitmq"`
	}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  svc
		ref  string
		uid  int
	}{
		{"redis", v.Redis, RedisImage, RedisUID},
		{"rabbitmq", v.RabbitMQ, RabbitMQImage, RabbitMQUID},
	} {
		if ref := c.got.Image.Repository + ":" + c.got.Image.Tag; ref != c.ref {
			t.Errorf("offline.yaml %s image %s, the builder makes %s", c.name, ref, c.ref)
		}
		if c.got.RunAsUser != c.uid || c.got.RunAsGroup != c.uid {
			t.Errorf("offline.yaml %s runs as %d:%d, the image's user is %s", c.name, c.got.RunAsUser, c.got.RunAsGroup, fmt.Sprint(c.uid))
		}
	}
}
