// Package tokenexchange is the OAuth 2.0 Token Exchange grant (RFC 8693):
// a client presents a token it holds, the subject token, and gets another
// for a different audience, resource or narrower scope.
//
// Without an actor token the client impersonates the subject: the issued
// token stands for the subject alone (RFC 8693 §1.1). With one it acts
// for the subject by delegation, and the issued token names the actor in
// its act claim, nesting the act of a subject token that was itself
// delegated (§4.1). A subject token whose may_act claim (§4.4) does not
// name the actor is refused whatever the policy says.
//
// Each token type the grant accepts has a Validator: AccessTokens for the
// server's own access tokens, Issuers for JWTs of trusted issuers, and
// IDTokens for the server's own ID tokens. A Policy decides who may
// exchange what, for which audience, resource and scope; the default,
// Rules, lets a client exchange only tokens issued to it, delegate only
// to itself and only where may_act allows it, narrow the scope, and ask
// only for the targets it lists, else invalid_target.
//
// The issued token is an access token of the server's format for the
// client: issued_token_type is access_token, or jwt when the client asked
// for a JWT and its access tokens are JWTs (RFC 9068). It never outlives
// the subject or actor token, and no refresh token is issued (§2.2.1).
package tokenexchange
