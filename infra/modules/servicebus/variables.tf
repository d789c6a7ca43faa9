variable "name" {
  type        = string
  description = "Name of the Service Bus namespace (globally unique): 6-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 6-50 letters, digits or hyphens, start with a letter and not end with a hyphen."
  }

  validation {
    condition     = !endswith(lower(var.name), "-sb") && !endswith(lower(var.name), "-mgmt")
    error_message = "name must not end with -sb or -mgmt (reserved by Service Bus)."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the namespace."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the namespace."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "sku" {
  type        = string
  description = "Namespace tier: Basic, Standard or Premium."
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku)
    error_message = "sku must be Basic, Standard or Premium."
  }
}

variable "capacity" {
  type        = number
  description = "Messaging units of a Premium namespace (1, 2, 4, 8 or 16); ignored for Basic and Standard."
  default     = 1

  validation {
    condition     = contains([1, 2, 4, 8, 16], var.capacity)
    error_message = "capacity must be 1, 2, 4, 8 or 16."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Allow access from public networks. Private endpoints need the Premium tier; Basic and Standard are reached publicly (Entra ID auth, TLS 1.2)."
  default     = true
}

variable "queue_name" {
  type        = string
  description = "Name of the job queue."
  default     = "jobs"

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,258}[a-zA-Z0-9_])?$", var.queue_name))
    error_message = "queue_name must be 1-260 letters, digits, '.', '-', '_' or '/', starting with a letter or digit and ending with a letter, digit or '_'."
  }
}

variable "lock_duration" {
  type        = string
  description = "Peek-lock duration as an ISO 8601 duration of at most 5 minutes, e.g. PT1M or PT30S."
  default     = "PT1M"

  validation {
    condition = (
      can(regex("^PT(([0-9]+)M)?(([0-9]+)S)?$", var.lock_duration)) &&
      var.lock_duration != "PT" &&
      (
        try(tonumber(regex("([0-9]+)M", var.lock_duration)[0]), 0) * 60 +
        try(tonumber(regex("([0-9]+)S", var.lock_duration)[0]), 0)
      ) >= 5 &&
      (
        try(tonumber(regex("([0-9]+)M", var.lock_duration)[0]), 0) * 60 +
        try(tonumber(regex("([0-9]+)S", var.lock_duration)[0]), 0)
      ) <= 300
    )
    error_message = "lock_duration must be an ISO 8601 duration like PT1M or PT30S, from 5 seconds to 5 minutes."
  }
}

variable "max_delivery_count" {
  type        = number
  description = "Deliveries of a message before Service Bus dead-letters it (1-2000)."
  default     = 10

  validation {
    condition     = var.max_delivery_count >= 1 && var.max_delivery_count <= 2000 && floor(var.max_delivery_count) == var.max_delivery_count
    error_message = "max_delivery_count must be a whole number from 1 to 2000."
  }
}

variable "default_message_ttl" {
  type        = string
  description = "Time to live of messages without their own TTL, as an ISO 8601 duration, e.g. P14D or PT1H."
  default     = "P14D"

  validation {
    condition     = can(regex("^P(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\\.[0-9]+)?S)?)?$", var.default_message_ttl)) && !contains(["P", "PT"], var.default_message_ttl) && !endswith(var.default_message_ttl, "T")
    error_message = "default_message_ttl must be an ISO 8601 duration such as P14D, PT1H or P1DT12H."
  }
}

variable "dead_lettering_on_message_expiration" {
  type        = bool
  description = "Move expired messages to the dead-letter queue instead of dropping them."
  default     = true
}

variable "max_size_in_megabytes" {
  type        = number
  description = "Maximum queue size in MB: 1024, 2048, 3072, 4096 or 5120 (Premium also 10240-81920)."
  default     = 1024

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 10240, 20480, 40960, 81920], var.max_size_in_megabytes)
    error_message = "max_size_in_megabytes must be 1024, 2048, 3072, 4096, 5120, 10240, 20480, 40960 or 81920."
  }

  validation {
    condition     = var.sku == "Premium" || var.max_size_in_megabytes <= 5120
    error_message = "Sizes above 5120 MB need the Premium sku."
  }
}

variable "topics" {
  type        = set(string)
  description = "Names of the topics to create (pub/sub fan-out, e.g. banner-updated). Topics need the Standard or Premium sku."
  default     = []

  validation {
    condition     = alltrue([for t in var.topics : can(regex("^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,258}[a-zA-Z0-9_])?$", t))])
    error_message = "Every topic name must be 1-260 letters, digits, '.', '-', '_' or '/', starting with a letter or digit and ending with a letter, digit or '_'."
  }

  validation {
    condition     = length(var.topics) == 0 || var.sku != "Basic"
    error_message = "Topics need the Standard or Premium sku; Basic namespaces have queues only."
  }
}

variable "topic_data_owner_principal_ids" {
  type        = map(string)
  description = "Principals (object IDs, e.g. workload identities' principal_id) given Azure Service Bus Data Owner on each topic, keyed by a static name: they create their own subscriptions. Nothing is assigned at namespace scope."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.topic_data_owner_principal_ids) : can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$", k))])
    error_message = "topic_data_owner_principal_ids keys must be 1-64 letters, digits, '-' or '_', starting with a letter or digit."
  }

  validation {
    condition     = alltrue([for id in values(var.topic_data_owner_principal_ids) : can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", id))])
    error_message = "Every topic_data_owner_principal_ids value must be an object ID (a GUID)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the namespace."
  default     = {}
}
