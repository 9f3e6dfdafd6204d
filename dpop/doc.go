// Package dpop implements OAuth 2.0 Demonstrating Proof of Possession
// (DPoP, RFC 9449): the proofs a client signs with a key of its own and
// sends in the DPoP header, so that the tokens issued to it are bound to
// that key and useless to anyone who steals them.
//
// A [Verifier] checks a proof as RFC 9449 §4.3 says: one DPoP header, a
// JWT of type dpop+jwt signed with an allowed asymmetric algorithm by the
// public key in its jwk header, for the request's method (htm) and URI
// (htu, compared without query and fragment after normalization), issued
// recently (iat), never seen before (jti, in a [ReplayCache]), with the
// hash of the access token it comes with (ath) and, when the server hands
// out nonces, one of them ([Nonces], §8 and §9). A checked [Proof] gives
// the key's thumbprint, the jkt that tokens are bound to (cnf, §6).
//
// A client signs all its proofs with one key, so a Verifier remembers the
// proof headers it accepted, each with its parsed key and thumbprint, up
// to Config.KeyCache of them: the next proof with the same header, byte for
// byte, skips parsing them, while its algorithm, key and signature and all
// its claims are still checked (see keyset.EmbeddedVerifier).
//
// Package authserver checks proofs at the token endpoint and binds the
// tokens it issues; package bearer checks them with the tokens presented
// to a resource server; package client/oauth2 signs them with [Sign].
package dpop
