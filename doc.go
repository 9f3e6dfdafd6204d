// Package grantry holds the protocol vocabulary shared by every Grantry
// package: the one [Error] type with the error codes of RFC 6749, RFC 6750,
// RFC 7009 and RFC 8628, the [Scope] type of RFC 6749 §3.3, the
// [TokenResponse] of RFC 6749 §5.1, and typed constants for grant types,
// response types and client authentication methods.
//
// The authorization server lives in package authserver, the grants under
// grant/, the optional endpoints under endpoint/, the resource protector in
// package bearer, and the OAuth clients under client/.
package grantry
