// Package charttests checks the airdisplay Helm chart: helm lint of each
// flavor, and every rendered object strictly decoded into its Go type
// (Kubernetes, KEDA and Dapr API types) before the cross-checks between
// objects run. The tests run the helm binary; see helmBinary in the tests.
package charttests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	daprconfig "github.com/dapr/dapr/pkg/apis/configuration/v1alpha1"
	daprresiliency "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	daprsubscriptions "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// TypeKey identifies a Go type by the apiVersion and kind of a document.
type TypeKey struct {
	APIVersion string
	Kind       string
}

func (k TypeKey) String() string { return k.APIVersion + "/" + k.Kind }

// Registry maps every apiVersion/kind the chart may render to a constructor
// of its Go type. A document of any other kind is an error: a typo in a kind
// or an unexpected object must not slip through unchecked.
var Registry = map[TypeKey]func() any{
	{"v1", "Secret"}:                                func() any { return &corev1.Secret{} },
	{"v1", "ConfigMap"}:                             func() any { return &corev1.ConfigMap{} },
	{"v1", "Service"}:                               func() any { return &corev1.Service{} },
	{"v1", "ServiceAccount"}:                        func() any { return &corev1.ServiceAccount{} },
	{"v1", "Pod"}:                                   func() any { return &corev1.Pod{} },
	{"v1", "PersistentVolume"}:                      func() any { return &corev1.PersistentVolume{} },
	{"rbac.authorization.k8s.io/v1", "Role"}:        func() any { return &rbacv1.Role{} },
	{"rbac.authorization.k8s.io/v1", "RoleBinding"}: func() any { return &rbacv1.RoleBinding{} },
	{"apps/v1", "Deployment"}:                       func() any { return &appsv1.Deployment{} },
	{"policy/v1", "PodDisruptionBudget"}:            func() any { return &policyv1.PodDisruptionBudget{} },
	{"networking.k8s.io/v1", "NetworkPolicy"}:       func() any { return &networkingv1.NetworkPolicy{} },
	{"autoscaling/v2", "HorizontalPodAutoscaler"}:   func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	{"keda.sh/v1alpha1", "ScaledObject"}:            func() any { return &kedav1alpha1.ScaledObject{} },
	{"keda.sh/v1alpha1", "TriggerAuthentication"}:   func() any { return &kedav1alpha1.TriggerAuthentication{} },
	{"dapr.io/v1alpha1", "Component"}:               func() any { return &daprcomponents.Component{} },
	{"dapr.io/v1alpha1", "Configuration"}:           func() any { return &daprconfig.Configuration{} },
	{"dapr.io/v1alpha1", "Resiliency"}:              func() any { return &daprresiliency.Resiliency{} },
	{"dapr.io/v2alpha1", "Subscription"}:            func() any { return &daprsubscriptions.Subscription{} },
}

// Object is one decoded document of a manifest.
type Object struct {
	Type   TypeKey
	Name   string
	Source string // the "# Source:" comment helm writes, if any
	Obj    any    // pointer to the Go type from Registry
}

func (o Object) String() string {
	if o.Source != "" {
		return fmt.Sprintf("%s %q (%s)", o.Type.Kind, o.Name, o.Source)
	}
	return fmt.Sprintf("%s %q", o.Type.Kind, o.Name)
}

// DecodeManifest splits a multi-document YAML manifest (helm template
// output) and strictly decodes every non-empty document. It reports every
// failing document, not only the first.
func DecodeManifest(manifest string) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	var objs []Object
	var errs []error
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("split manifest: %w", err)
		}
		if isEmptyDocument(doc) {
			continue
		}
		obj, err := DecodeDocument(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d (%s): %w", i, sourceOf(doc), err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errors.Join(errs...)
}

// DecodeDocument strictly decodes one YAML document into the Go type its
// apiVersion and kind name. Strict means:
//   - YAML with duplicate keys is rejected (sigs.k8s.io/yaml YAMLToJSONStrict);
//   - a field the Go type does not have is rejected (encoding/json Decoder
//     with DisallowUnknownFields);
//   - a field spelled with the wrong case is rejected too: encoding/json
//     matches names case-insensitively, so the document is decoded a second
//     time with sigs.k8s.io/json's case-sensitive strict decoder (the one
//     the API server uses for strict field validation);
//   - trailing data after the object is rejected.
func DecodeDocument(doc []byte) (Object, error) {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return Object{}, fmt.Errorf("yaml to json: %w", err)
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(j, &meta); err != nil {
		return Object{}, fmt.Errorf("read apiVersion/kind: %w", err)
	}
	key := TypeKey{meta.APIVersion, meta.Kind}
	newObj, ok := Registry[key]
	if !ok {
		return Object{}, fmt.Errorf("unrecognised kind %s (known: %s)", key, knownKinds())
	}

	obj := newObj()
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return Object{}, fmt.Errorf("decode %s %q: %w", key, meta.Metadata.Name, err)
	}
	if dec.More() {
		return Object{}, fmt.Errorf("decode %s %q: trailing data after the object", key, meta.Metadata.Name)
	}

	strictErrs, err := kjson.UnmarshalStrict(j, newObj(), kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return Object{}, fmt.Errorf("decode %s %q (case-sensitive): %w", key, meta.Metadata.Name, err)
	}
	if len(strictErrs) > 0 {
		return Object{}, fmt.Errorf("decode %s %q (case-sensitive): %w", key, meta.Metadata.Name, errors.Join(strictErrs...))
	}
	return Object{Type: key, Name: meta.Metadata.Name, Source: sourceOf(doc), Obj: obj}, nil
}

func knownKinds() string {
	var names []string
	for k := range Registry {
		names = append(names, k.String())
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// isEmptyDocument reports whether a document holds only comments and blank
// lines (helm writes such documents for templates that render nothing).
func isEmptyDocument(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

func sourceOf(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source: "); ok {
			return s
		}
	}
	return ""
}

// Find returns the decoded objects of type T, in manifest order.
func Find[T any](objs []Object) []T {
	var out []T
	for _, o := range objs {
		if v, ok := o.Obj.(T); ok {
			out = append(out, v)
		}
	}
	return out
}
