// Package introspection is the token introspection endpoint (RFC 7662): a
// protected resource asks the authorization server whether a token is
// active and what it grants.
//
//	in := introspection.New(store, introspection.Config{
//		URL:             "/introspect",
//		Issuer:          "https://as.example",
//		CheckPermission: introspection.Callers("api-server"), // resource servers
//	})
//	mux.Handle("POST /introspect", srv.Mount(in)) // and listed in the server metadata
//
// Only authenticated callers are answered (RFC 7662 §2.1), with the methods
// Config.AuthMethods allows (client_secret_basic and client_secret_post by
// default; "none" is never accepted), and a caller learns about a token only
// when Config.CheckPermission allows it: by default a client learns about
// its own tokens only, and resource servers are named with [Callers]
// (RFC 7662 §4). The answers:
//
//   - an active token: 200 {"active":true, ...} with scope, client_id,
//     token_type, exp, iat, sub, iss and jti as the store knows them, and
//     whatever Config.Describe adds (username, aud, further members);
//   - an unknown, expired or revoked token, or one the caller may not
//     learn about: 200 {"active":false} and nothing more
//     (RFC 7662 §2.2);
//   - no token parameter: 400 invalid_request;
//   - failed client authentication: 401 invalid_client;
//   - a store that cannot be reached: 503 temporarily_unavailable.
//
// Access and refresh tokens are both answered. token_type_hint only
// orders the lookups, and an unknown hint is ignored (RFC 7662 §2.1). A
// refresh token is described with token_type "refresh_token" and the
// refresh token's expiry, so that a resource server cannot mistake it for
// an access token.
package introspection
