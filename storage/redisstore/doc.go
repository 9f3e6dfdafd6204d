// Package redisstore keeps in Redis the records that live only as long as
// a time to live: authorization codes (storage.CodeStore), pushed
// authorization requests (storage.PushedRequestStore), device
// authorizations (storage.DeviceStore, RFC 8628) and the replay cache of
// JWT IDs (jti) that assertions and request objects are checked against. Every key expires on its own when its record does, so the store
// needs no purge.
//
// Clients and tokens belong in a database that keeps them: use package
// sqlstore for those and this store for codes, as in
//
//	sql := sqlstore.New(db, sqlstore.Postgres)
//	codes := redisstore.New(redis.NewClient(opts), redisstore.Config{})
//	srv, _ := authserver.New(authserver.Config{Clients: sql, Tokens: sql})
//	srv.RegisterGrant(authcode.New(codes, authcode.Config{}))
//
// Each operation is one Redis command or one Lua script, so it is atomic on
// a single server and on a cluster alike (one key per operation). Codes are
// stored under the digest of the code, never the code itself, and a
// consumed code is kept, marked used, until it expires, so that a replay is
// told apart from an unknown code and can revoke what the code issued
// (RFC 6749 §4.1.2). Errors that say Redis cannot be reached wrap
// storage.ErrUnavailable.
package redisstore
