locals {
  # Built-in role that lets a principal pull images (and nothing else).
  pull_role_definition_name = "AcrPull"
}
