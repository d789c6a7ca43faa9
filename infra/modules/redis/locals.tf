locals {
  # Azure Cache for Redis serves TLS on 6380; the plain port 6379 stays off.
  ssl_port = 6380
}
