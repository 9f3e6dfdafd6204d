package redisstore

import (
	"context"
	"time"

	"github.com/grantry/grantry/secret"
)

// SeenJTI records a JWT ID until exp and reports whether it was recorded
// before: true means the JWT is a replay and must be refused (RFC 7523
// §3, item 7; RFC 9101 §10.8). Of many concurrent calls for one jti
// exactly one gets false. The check and the record are one SET NX, atomic
// on the server.
//
// jti values are unique per issuer only: a caller that accepts JWTs from
// several issuers passes the issuer and the jti joined, such as
// iss + " " + jti. exp is the JWT's expiry plus any leeway the verifier
// allows; past it the JWT is refused anyway and its ID is forgotten. The
// ID is stored as its SHA-256 digest, so that keys have one length.
func (s *Store) SeenJTI(ctx context.Context, jti string, exp time.Time) (seen bool, err error) {
	first, err := s.rdb.SetNX(ctx, s.prefix+"jti:"+secret.Digest(jti), 1, s.ttl(exp)).Result()
	if err != nil {
		return false, wrap("record jti", err)
	}
	return !first, nil
}
