// Package bearer protects HTTP resources with OAuth 2.0 bearer tokens
// (RFC 6750): middleware and a call for handlers that read the access
// token from the request, validate it, check its scope and put what it
// grants in the request context.
//
// A [Validator] turns a token string into a [grantry.TokenInfo]; a token
// it knows to be expired or revoked is inactive. Grantry ships three:
// accesstoken.NewStoreValidator looks tokens up in the authorization
// server's own store, accesstoken.NewJWTValidator checks JWT access
// tokens (RFC 9068) with the server's published keys, and [Introspector]
// asks a remote introspection endpoint (RFC 7662). Checks of the resource server's own go in [Config]
// and apply whatever the validator: Revoked for a revocation list of its
// own, CheckRequest for the request a token came with.
//
//	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{})
//	p := bearer.New(v, bearer.Config{Realm: "api"})
//	mux.Handle("GET /profile", p.Require("profile")(profileHandler))        // all of
//	mux.Handle("GET /mail", p.RequireAny("email", "admin")(mailHandler))     // any of
//
//	func profileHandler(w http.ResponseWriter, r *http.Request) {
//		info, _ := bearer.FromContext(r.Context())
//		fmt.Fprintln(w, info.Subject)
//	}
//
// The token is read from the Authorization header only (RFC 6750 §2.1);
// the form body (§2.2) is read when Config.AllowForm is set and the query
// (§2.3) only when Config.InsecureAllowQuery is set. Failures get the
// answers of RFC 6750 §3:
//
//   - no token: 401, WWW-Authenticate: Bearer realm="api", no error code;
//   - a malformed request, or a token sent in more than one place: 400
//     invalid_request;
//   - an unknown, expired or revoked token: 401 invalid_token;
//   - a valid token without the required scope: 403 insufficient_scope,
//     the needed scope in the challenge's scope attribute;
//   - a validator that cannot decide (store or network down): 503
//     temporarily_unavailable with Retry-After: 5, its cause logged and
//     never sent.
//
// A resource server that names itself in Config.Resource refuses tokens
// whose audience does not hold that identifier (RFC 8707), as a token for
// another resource. [Protector.MetadataHandler] serves its protected
// resource metadata (RFC 9728) at [MetadataURL], and with
// Config.ResourceMetadata every 401 challenge points clients to it:
//
//	p := bearer.New(v, bearer.Config{Resource: "https://api.example/", ResourceMetadata: mdURL})
//	mux.Handle("GET "+bearer.WellKnownPath, p.MetadataHandler(bearer.ResourceMetadata{
//		AuthorizationServers: []string{"https://as.example"},
//	}))
//
// With Config.DPoP, tokens bound to a DPoP key (RFC 9449) are accepted as
// "Authorization: DPoP <token>" with a proof of that key in the DPoP
// header, for this request (htm, htu) and this token (ath); failures are
// answered 401 with a DPoP challenge (error invalid_dpop_proof, or
// use_dpop_nonce with a DPoP-Nonce header, and algs). A token bound to a
// key is refused when sent as a bearer token, DPoP configured or not.
//
//	p := bearer.New(v, bearer.Config{DPoP: &bearer.DPoPConfig{BaseURL: "https://api.example"}})
package bearer
