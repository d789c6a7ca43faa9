package tests

import (
	_ "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	_ "github.com/dapr/dapr/pkg/apis/configuration/v1alpha1"
	_ "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	_ "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	_ "github.com/gruntwork-io/terratest/modules/helm"
	_ "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	_ "k8s.io/api/apps/v1"
	_ "sigs.k8s.io/yaml"
)
