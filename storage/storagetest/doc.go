// Package storagetest is the conformance suite of package storage: the
// behaviour every backend must show, checked the same way for all of them.
//
// A backend's test calls [Run] with a function that returns a new, empty
// store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storagetest.Store {
//			return mybackend.New(openTestDatabase(t))
//		})
//	}
//
// The suite covers client administration, single-use authorization codes,
// token lookup and revocation, refresh-token rotation with reuse detection
// (RFC 9700 §4.14.2), revocation reaching every access token of a grant,
// expiry to the microsecond as the caller's clock decides it, the
// atomicity of ConsumeAuthorizationCode and RotateRefreshToken under 1,000
// concurrent callers, and Purge. A backend that keeps only part of the
// records, such as a cache of authorization codes, runs the groups that
// apply to it with [RunClients], [RunCodes] or [RunTokens]. [RunAccounts],
// [RunSigningKeys] and [RunSessions] check the users and consents, the
// signing keys, and the sign-in sessions of a backend that keeps them;
// [RunReplayCache] checks a storage.ReplayCache of JWT IDs: one first use
// among 1,000 concurrent callers, and expiry by a clock the suite moves.
// The
// suite never reads the clock, except to bound the time a backend stamps
// claims with in UpdateUserClaims: every record is stamped from one fixed
// time, and times are compared to the microsecond, the precision SQL
// databases keep; claims' UpdatedAt to the second, the precision of the
// claim.
package storagetest
