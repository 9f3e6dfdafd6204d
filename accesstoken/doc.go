// Package accesstoken makes and validates the access tokens of a Grantry
// authorization server.
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
// A [JWTGenerator] makes access tokens in the JWT profile of RFC 9068,
// signed with the server's key set: plug it in as
// authserver.Config.JWTAccessTokens, and the clients whose
// storage.Client.AccessTokenFormat is "jwt" (or every client, with
// authserver.Config.AccessTokenFormat) get JWTs. The server still stores
// each token's digest, so revocation and introspection work as for opaque
// tokens.
//
// A [JWTValidator] checks such tokens without asking anyone: the signature
// with keys from a keyset.KeySource (a keyset.Remote over the server's
// jwks_uri), then typ, iss, aud and the times. It cannot know of a
// revocation; a resource server that must, asks with bearer.Config.Revoked
// or uses the store or introspection. A resource server elsewhere asks the
// authorization server with bearer.Introspector (RFC 7662).
package accesstoken
