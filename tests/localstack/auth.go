package localstack

// DevAPIKey is the development API key of components/local/secrets: the
// local stack's write endpoints (and reads with AUTH_READS) accept it as
// `Authorization: Bearer <key>` or `X-API-Key: <key>`. Never use it
// outside the local stack.
const DevAPIKey = "local-dev-api-key"
