package e2e

// azureVariables are what TestScenarioOnAzure needs from its environment;
// the e2e-azure workflow must set every one (TestAzureWorkflowPassesEveryVariable).
var azureVariables = []string{"ARM_SUBSCRIPTION_ID", "ARM_TENANT_ID", "ARM_CLIENT_ID", "TFSTATE_RESOURCE_GROUP", "TFSTATE_STORAGE_ACCOUNT"}
