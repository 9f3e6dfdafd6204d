// Package revocation is the token revocation endpoint (RFC 7009): a client
// tells the authorization server that it no longer needs a token.
//
//	rev := revocation.New(store, revocation.Config{URL: "/revoke"})
//	mux.Handle("POST /revoke", srv.Mount(rev)) // and listed in the server metadata
//
// The client authenticates as at the token endpoint, with the methods
// Config.AuthMethods allows (client_secret_basic and client_secret_post by
// default; add "none" to let public clients revoke their tokens). The
// answers:
//
//   - a revoked token, an unknown one, or one issued to another client:
//     200 with an empty body, so that nothing is learnt of other clients'
//     tokens (RFC 7009 §2.2); only the client's own tokens are revoked.
//     RFC 7009 §2.1 lets the server refuse a token of another client with
//     an error; answering so would tell the caller that the string it
//     holds is a live token, so the answer is the same as for an unknown
//     one;
//   - no token parameter: 400 invalid_request;
//   - a token_type_hint other than access_token and refresh_token: 400
//     unsupported_token_type (RFC 7009 §2.2.1);
//   - failed client authentication: 401 invalid_client;
//   - a store that cannot be reached: 503 temporarily_unavailable.
//
// The hint only orders the lookups: a token not found as the hinted kind is
// looked up as the other (RFC 7009 §2.1). Revoking a refresh token revokes
// its whole family: every access and refresh token descending from the
// same grant. Revoking an access token revokes its record, which holds the
// refresh token issued with it, if any. Each revocation calls
// Config.Revoked.
package revocation
