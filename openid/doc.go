// Package openid makes an authorization server an OpenID Connect provider
// (OpenID Connect Core 1.0).
//
// A [Provider] is an authserver.Extension: registered on a server, it acts
// on every request whose scope holds "openid". At the authorization
// endpoint it checks the OpenID Connect parameters (nonce, prompt,
// max_age, id_token_hint, claims, and the request objects it does not
// support) and adds an ID token to the response of the implicit and hybrid
// flows, with c_hash and at_hash (§3.2, §3.3). At the token endpoint it adds
// an ID token to the response of the authorization code grant and, without
// a nonce, of a refresh (§12.2).
//
// [ResponseTypes] gives the grants of the implicit and hybrid response
// types ("id_token", "id_token token", "code id_token", "code token",
// "code id_token token"); their codes are issued by the grant of
// response_type=code, so PKCE and every other extension apply to them as
// they do to the code flow.
//
// An ID token is signed by the signing key of its client's
// id_token_signed_response_alg, or the active key of the provider's
// keyset.Set. Subjects are public, or pairwise for clients registered
// so (§8.1).
//
// The application decides who signs in and what they consent to;
// [Provider.Next] tells it, from prompt, max_age and id_token_hint, whether
// the user must sign in or consent first, and which error answers a
// request with prompt=none instead (§3.1.2.6). [Provider.UserInfo] is the
// UserInfo endpoint (§5.3), and the server's metadata gains the members of
// OpenID Connect Discovery 1.0 §3, served at [DiscoveryPath] by the
// server's MetadataHandler.
//
// [Provider.ValidateLogout] checks the requests of RP-Initiated Logout
// 1.0. A [Notifier] tells clients that a session ended (Back-Channel
// Logout 1.0): at once with [Notifier.Notify], or, with [Notifier.Drain],
// from the queue a storage.LogoutQueue fills in the same step as it ends
// the session, so that a session ended by another process, or while no
// server ran, is still told to its clients.
package openid
