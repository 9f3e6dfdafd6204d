// Package accesstoken validates the access tokens of a Grantry
// authorization server for the resources it protects.
//
// A [StoreValidator] looks a token up in the authorization server's own
// store, where tokens are kept only as SHA-256 digests (secret.Digest), so
// it serves opaque tokens and any other the server stored: one digest and
// one lookup per request, and a revoked token is refused as soon as it is
// revoked. It is the validator of a resource server that shares the
// server's store, to be used with package bearer:
//
//	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{Issuer: "https://as.example"})
//	p := bearer.New(v, bearer.Config{Realm: "api"})
//	mux.Handle("GET /profile", p.Require("profile")(profileHandler))
//
// A resource server elsewhere asks the authorization server instead, with
// bearer.Introspector (RFC 7662).
package accesstoken
