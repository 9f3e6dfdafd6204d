// Package keyset holds the signing keys of an authorization server or a
// client and the public keys used to check their signatures.
//
// A [Key] is a [crypto.Signer] (RSA, ECDSA on P-256, P-384 or P-521, or
// Ed25519) with a key ID and a JWS algorithm (RFC 7518 §3). Its key ID is
// the RFC 7638 thumbprint of the public key unless one is given.
//
// A [Set] holds the active signing key and older keys that are still
// published for verification, so keys can be rotated without breaking
// tokens already issued; [Set.SignerFor] returns the signing key of another
// algorithm, for clients that ask for one. [Handler] serves a set's public keys as a JWK Set
// document (RFC 7517 §5).
//
// A [Manager] keeps the signing keys of a server in a
// storage.SigningKeyStore, their private keys sealed by a [Sealer] with a
// key-encryption key kept outside the database. It generates the keys on
// first start, publishes a next key before it signs ([Manager.Rotate]),
// keeps retired keys published until every token they signed has expired,
// and deletes them after that ([Manager.Purge]).
//
// [ParseJWKS] reads the JWK Set of another party. Member names match
// exactly (RFC 8259 §8.3), and keys this package cannot verify with are
// skipped: keys of other types or sizes, keys with private members, and
// keys whose key_ops leave out "verify" (RFC 7517 §4.3).
//
// A [Remote] caches the JWK Set of another party, fetched from its
// jwks_uri: the cache lives for a bounded time, and a token signed by an
// unknown key ID triggers at most one new fetch per refetch interval, so
// forged key IDs cannot make the cache hammer the remote server.
//
// [Verify] checks the signature of a JWS in compact serialization against
// any [KeySource] (a [Set], a [JWKS] or a [Remote]) and an explicit list of
// allowed algorithms; "none" is never accepted. [Key.SignJWT] and
// [SignJWTWithSecret] produce signed JWTs. [VerifyEmbedded] and an
// [EmbeddedVerifier], which remembers the headers it accepted, check a
// token by the key of its own jwk header, as a DPoP proof is checked. All JOSE processing is done by
// github.com/go-jose/go-jose/v4; callers of this package never need to
// import it.
package keyset
