package storage

import (
	"context"
	"time"
)

// ReplayCache remembers the IDs of JWTs already accepted, so that a JWT
// presented twice is refused (RFC 7523 §3, item 7; RFC 9101 §10.8; OpenID
// Connect Core §9).
//
// SeenJTI records jti until exp and reports whether it was recorded
// before and not yet forgotten: true means the JWT is a replay. Of many
// concurrent calls for one jti, in one process or in many sharing the
// store, exactly one gets false. A jti is forgotten once the store's clock
// is past its exp; a call after that records it again. Expired IDs are
// removed by the store's Purger, where it has one.
//
// JWT IDs are unique per issuer only: a caller accepting JWTs of several
// issuers passes the issuer and the jti joined, such as
// iss + " " + jti. exp is the JWT's expiry plus any leeway the caller
// allows. A store may keep only a digest of jti.
type ReplayCache interface {
	SeenJTI(ctx context.Context, jti string, exp time.Time) (seen bool, err error)
}
