package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/secret"
)

// recordJTI records a JWT ID unless it is recorded and unexpired by the
// caller's clock: KEYS[1] is the ID's key, ARGV[1] the caller's time and
// ARGV[2] the ID's expiry, both in microseconds since the Unix epoch, and
// ARGV[3] the key's time to live in milliseconds. It returns 1 for an ID
// seen before, 0 for one recorded now. The value is the expiry, so that
// an injected clock, not only Redis's, decides when the ID is forgotten.
var recordJTI = redis.NewScript(`
local exp = redis.call('GET', KEYS[1])
if exp and tonumber(exp) >= tonumber(ARGV[1]) then
	return 1
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 0
`)

// SeenJTI records a JWT ID until exp and reports whether it was recorded
// before: true means the JWT is a replay and must be refused (RFC 7523
// §3, item 7; RFC 9101 §10.8). It implements storage.ReplayCache. Of many
// concurrent calls for one jti exactly one gets false: the check and the
// record are one script, atomic on the server.
//
// jti values are unique per issuer only: a caller that accepts JWTs from
// several issuers passes the issuer and the jti joined, such as
// iss + " " + jti. exp is the JWT's expiry plus any leeway the verifier
// allows; past it, by Config.Now, the JWT is refused anyway and its ID is
// forgotten. The ID is stored as its SHA-256 digest, so that keys have one
// length.
func (s *Store) SeenJTI(ctx context.Context, jti string, exp time.Time) (seen bool, err error) {
	key := s.prefix + "jti:" + secret.Digest(jti)
	now := s.now()
	n, err := recordJTI.Run(ctx, s.rdb, []string{key}, now.UnixMicro(), exp.UnixMicro(), s.ttl(exp).Milliseconds()).Int()
	if err != nil {
		return false, wrap("record jti", err)
	}
	return n == 1, nil
}
