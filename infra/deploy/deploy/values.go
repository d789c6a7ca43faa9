package deploy

// HelmValues is filled in once the chart's values are settled.
func HelmValues(o Outputs, tag string) ([]byte, error) { return nil, nil }

func assertValuesPlaceholder() {}
