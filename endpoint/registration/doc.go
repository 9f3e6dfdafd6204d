// Package registration is dynamic client registration (RFC 7591) and its
// management protocol (RFC 7592): a client registers itself by posting its
// metadata, then reads, updates and deletes its registration with the
// registration access token it was given.
//
//	reg, err := registration.New(srv, store, registration.Config{URL: "/register"})
//	mux.Handle("/register", srv.MountHandler(grantry.EndpointRegistration, reg))
//	mux.Handle("/register/", reg) // the registration_client_uri of each client
//
// Registration (POST Config.URL, a JSON object of metadata) answers 201
// with client_id, client_secret for a method that needs one (stored as a
// hash only), client_id_issued_at, client_secret_expires_at 0,
// registration_access_token (stored as its digest only),
// registration_client_uri and every registered metadata value, with
// defaults filled in: grant_types authorization_code, response_types
// code, token_endpoint_auth_method client_secret_basic and the server's
// known scopes. Unknown members are ignored (RFC 7591 §2). The errors are
// those of RFC 7591 §3.2.2, each 400:
//
//   - invalid_redirect_uri: a redirect URI that authserver.CheckRedirectURI
//     refuses (an http URI on a host other than loopback, a fragment, a
//     scheme that runs code), or none for a redirect-based grant type;
//   - invalid_client_metadata: a member of the wrong JSON type; a grant
//     or response type the server does not support, or response types
//     inconsistent with the grant types (RFC 7591 §2.1); an auth method
//     the server does not support; both jwks and jwks_uri, or a jwks with
//     anything but usable public keys; a scope the server does not know;
//     an unsupported signing algorithm or subject type; a
//     sector_identifier_uri document that does not list every redirect
//     URI (authserver.CheckSectorIdentifierURI);
//   - invalid_software_statement: a software statement that is not a
//     validly signed JWT with an iss, or that has expired;
//   - unapproved_software_statement: one not signed by a key of
//     Config.SoftwareStatementKeys. A valid statement's claims replace
//     the members they name (RFC 7591 §3.1.1).
//
// A body that is not application/json is 400 invalid_request, one larger
// than Config.MaxBodyBytes 413. With Config.InitialAccessTokens,
// registration needs a Bearer initial access token (RFC 7591 §3): without
// one the answer is 401 with a WWW-Authenticate: Bearer challenge, with an
// invalid one 401 invalid_token (RFC 6750 §3.1).
//
// At a registration_client_uri, GET reads the registration, PUT replaces
// it (RFC 7592 §2.2: client_id must be the client's, client_secret if sent
// its current one; the answer carries a new registration access token) and
// DELETE removes the client, revoking its tokens, and answers 204. A
// missing or wrong registration access token, another client's, or a
// client that does not exist, are all 401 invalid_token, so that nothing
// is learnt of other clients. Every answer has Cache-Control: no-store.
//
// The response to GET carries neither the secret nor the registration
// access token, which are kept as hashes only; nor does it echo a software
// statement, which is not kept.
package registration
