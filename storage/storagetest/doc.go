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
// (RFC 9700 §4.14.2), the atomicity of ConsumeAuthorizationCode and
// RotateRefreshToken under 1,000 concurrent callers, and Purge. It never
// reads the clock: every record is stamped from one fixed time, and times
// are compared to the microsecond, the precision SQL databases keep.
package storagetest
