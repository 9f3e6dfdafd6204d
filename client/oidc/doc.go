// Package oidc is an OpenID Connect relying party (OpenID Connect Core
// 1.0) on top of package client/oauth2.
//
// [Discover] reads a provider's metadata from its issuer (OpenID Connect
// Discovery 1.0 §4) or from a server-metadata URL (RFC 8414 §3), and
// rejects a document whose issuer is not exactly the one asked for. The
// provider's signing keys come from its jwks_uri, cached by a
// [keyset.Remote] that fetches again once when a token names an unknown
// key, or from a JWK Set given by the caller.
//
// A [Verifier] validates ID tokens as OpenID Connect Core 1.0 §3.1.3.7
// asks: the signature, with an explicit list of allowed algorithms ("none"
// is never allowed; by default RS256 and the supported algorithms the
// provider lists); iss; aud containing the client ID and no audience the
// client does not trust (VerifierConfig.TrustedAudiences); azp when there
// are several audiences; exp, iat and nbf with a leeway (one minute by
// default) and an injectable clock; nonce; auth_time against max_age; and
// at_hash and c_hash, the left half of the hash that goes with the
// signature algorithm. A token whose typ header names another kind of JWT,
// such as "at+jwt" or "logout+jwt", is not an ID token (RFC 8725 §3.11).
//
// Claim names and metadata member names match exactly, code point by code
// point (RFC 7519 §7.3, RFC 8259 §8.3): "ISS" is not "iss", and a name
// given twice is rejected. The required claims must have the types and
// bounds OpenID Connect Core 1.0 §2 gives them: sub is at most 255
// characters, and aud holds non-empty strings.
//
// [Provider.UserInfo] calls the UserInfo endpoint with a bearer token and
// checks that its sub is the ID token's (§5.3); a fix-up function adapts
// providers whose UserInfo response is not standard.
//
// [Client] ties these together for the login flow: an authorization URL
// with state, nonce and PKCE, then the callback, the code exchange and the
// ID token validation in one call.
package oidc
