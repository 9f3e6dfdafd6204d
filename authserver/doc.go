// Package authserver is the core of a Grantry authorization server (RFC 6749).
//
// A [Server] is built over the application's models: a storage.ClientStore
// for clients and a [TokenStore] for tokens (package storage/memstore
// holds both in memory; storage/sqlstore and storage/redisstore persist
// them). Grants are registered on it, at the token endpoint by grant type
// and at the authorization endpoint by response type, and extensions such
// as PKCE hook into every grant:
//
//	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
//	code := authcode.New(store, authcode.Config{})
//	srv.RegisterGrant(code)        // grant_type=authorization_code
//	srv.RegisterResponseType(code) // response_type=code
//	srv.RegisterGrant(refresh.New(store, refresh.Config{}))
//	srv.RegisterExtension(pkce.New(pkce.Config{}))
//	http.HandleFunc("POST /token", srv.ServeToken)
//
// The application owns its authorization page. It asks the server for the
// validated request to show a consent screen, then answers with the user's
// decision:
//
//	req, err := srv.ValidateAuthorizationRequest(r)
//	if err != nil {
//		srv.WriteError(w, r, err)
//		return
//	}
//	// ... sign the user in, show req.Client and req.Scope, read the decision ...
//	srv.Authorize(w, r, req, &authserver.Consent{Subject: userID}) // or nil to deny
//
// Every failure is a *grantry.Error, rendered by [Server.WriteError] as its
// RFC says: a JSON body with Cache-Control: no-store, a 401 with
// WWW-Authenticate for client authentication failures, or a redirect to the
// client once the client and its redirect URI are trusted
// (RFC 6749 §4.1.2.1). The cause of an internal error is logged, never sent.
//
// Grants and extensions plug in through small interfaces: [TokenGrant],
// [AuthorizationGrant] and [Extension]. A grant gets what it needs (a code
// store, a token store, a user authenticator) as constructor arguments,
// and never calls back into the server: at the token endpoint the server
// parses the request and authenticates the client, the grant validates
// what is particular to it and returns an [Issue] saying what to issue,
// the extensions' hooks run, and the server makes the tokens, stores them,
// reports [Events.TokenIssued] and writes the response. A grant that
// detects a replayed code or refresh token returns a [Replay], and the
// server revokes the family. The built-in grants under grant/ use nothing
// else, so a custom grant is written the same way.
//
// Optional endpoints at which clients authenticate, such as token
// revocation (package endpoint/revocation) and introspection (package
// endpoint/introspection), implement [Endpoint]; [Server.Mount] returns
// the handler the application routes. The metadata document of RFC 8414,
// served by [Server.MetadataHandler] at [Server.MetadataPath], is built
// from everything registered: grants, extensions such as PKCE, client
// authentication methods and endpoints. [Config.Events] reports client
// authentications, issued tokens, revoked families and failed requests.
//
// An authorization request may come by reference or signed. Its
// request_uri is resolved by the mounted [RequestURIResolver] (package
// endpoint/par, RFC 9126), and a request object in its request parameter
// is verified with the client's keys when [Config.RequestObjects] is set
// (RFC 9101): either way their parameters replace the query's before the
// grants and extensions see the request, which never holds request or
// request_uri. The par endpoint validates what clients push with
// [Server.ValidatePushedRequest].
//
// Clients authenticate with client_secret_basic, client_secret_post or
// none, and with JWT assertions (RFC 7523 §2.2) once
// [Config.ClientAssertions] has a replay cache: private_key_jwt with keys
// from the client's jwks or jwks_uri ([NewClientKeys]), client_secret_jwt
// with the client's secret kept sealed ([SealClientSecret]). An assertion
// must name the client as iss and sub, have the issuer identifier as its
// only aud, an exp at most a few minutes ahead and a jti never seen
// before; every failure is 401 invalid_client, whatever its cause.
//
// With [Config.DPoP] a client that sends a DPoP proof (RFC 9449) to the
// token endpoint gets tokens bound to its key, token_type DPoP; the proof
// is checked before the grant spends anything, a public client's refresh
// token is bound too, and dpop_jkt (or a proof sent with a pushed request)
// binds the code. With [Config.RefreshGracePeriod] a refresh token rotated
// moments ago and presented again gets the same new tokens rather than
// revoking its family.
package authserver
