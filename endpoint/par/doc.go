// Package par is the pushed authorization request endpoint (RFC 9126): a
// client posts the parameters of an authorization request straight to
// the authorization server, which validates them and answers with a
// request_uri to send the user's browser to the authorization endpoint
// with.
//
//	ep := par.New(srv, store, par.Config{URL: "/par"})
//	mux.Handle("POST /par", srv.Mount(ep)) // listed in the server metadata
//
// The client authenticates as at the token endpoint, with the methods
// Config.AuthMethods allows (client_secret_basic, client_secret_post and,
// for public clients identified by client_id, none). The pushed
// parameters are validated exactly as an authorization request is, by
// authserver.Server.ValidatePushedRequest, a request object among them
// included (RFC 9126 §3). The answers:
//
//   - success: 201 with {"request_uri", "expires_in"}, the URI of the form
//     urn:ietf:params:oauth:request_uri:<256 random bits>, living
//     Config.Lifetime (60 s by default) (RFC 9126 §2.2);
//   - an invalid authorization request: 400 with the error the
//     authorization endpoint would have redirected (RFC 9126 §2.3);
//   - a request_uri among the parameters: 400 invalid_request;
//   - failed client authentication: 401 invalid_client.
//
// Mounting the endpoint makes it the server's resolver of request_uri: at
// the authorization endpoint, a request_uri is used once, only by the
// client that pushed it, and its parameters replace any others of the
// query (RFC 9126 §4). An unknown, used, expired or another client's
// request_uri is invalid_request_uri, and is never answered with a code:
// redirected, with the query's state, to the redirect URI the query names
// (or the client's only one) when it is the client's, else 400 in a JSON
// body. With
// Config.Require, or for a client whose RequirePushedAuthorizationRequests
// is set, an authorization request that was not pushed is refused with
// invalid_request (RFC 9126 §5, §6). Only a hash of each request_uri is
// stored.
package par
