locals {
  # Chart values owned by this module; extra_values are applied after them.
  values = {
    global = {
      ha = {
        enabled = var.ha_enabled
      }
      mtls = {
        enabled = true
      }
    }
  }
}
