// Package daemon is the grantry server and its administration commands:
// configuration from flags, GRANTRY_ environment variables and a JSON
// file; the storage backend named by a DSN; the authorization server with
// its login and consent pages; health, readiness and Prometheus metrics;
// graceful shutdown; the client, user and session commands; and a load generator
// for the token endpoint.
//
// cmd/grantry is a thin main around [Main].
package daemon
