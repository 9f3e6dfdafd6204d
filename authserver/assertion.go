package authserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Bounds of JWT assertions (RFC 7523 §3), used when a configuration
// leaves them zero.
const (
	// DefaultAssertionLifetime is the longest an assertion may live: its
	// exp at most this long after its iat, or after the time it is
	// received when it has no iat.
	DefaultAssertionLifetime = 5 * time.Minute
	// DefaultAssertionLeeway is the clock skew allowed in exp, nbf and
	// iat.
	DefaultAssertionLeeway = 30 * time.Second
)

// AssertionClaims are the claims of a JWT assertion that RFC 7523 §3
// checks: for client authentication (§2.2) and for the JWT bearer grant
// (§2.1). A time claim that is absent is the zero time.
type AssertionClaims struct {
	Issuer    string   // iss
	Subject   string   // sub
	Audience  []string // aud, a string or an array of strings
	Expiry    time.Time
	NotBefore time.Time
	IssuedAt  time.Time
	JWTID     string // jti
}

var errAssertion = errors.New("authserver: invalid assertion")

// ParseAssertionClaims parses the JSON payload of a JWT assertion. Claim
// names are matched exactly, as RFC 7519 §4 has them. A claim of the wrong
// type, such as an exp that is a string or not a date between 1970 and
// 9999 (RFC 7519 §2 NumericDate), makes it invalid. It checks no value:
// see AssertionRules.Check.
func ParseAssertionClaims(payload []byte) (*AssertionClaims, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil || members == nil {
		return nil, fmt.Errorf("%w: the payload is not a JSON object", errAssertion)
	}
	c := &AssertionClaims{}
	var err error
	for _, s := range []struct {
		name string
		out  *string
	}{{"iss", &c.Issuer}, {"sub", &c.Subject}, {"jti", &c.JWTID}} {
		if err = stringClaim(members[s.name], s.out); err != nil {
			return nil, fmt.Errorf("%w: %s is not a string", errAssertion, s.name)
		}
	}
	if c.Audience, err = parseAudience(members["aud"]); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name string
		out  *time.Time
	}{{"exp", &c.Expiry}, {"nbf", &c.NotBefore}, {"iat", &c.IssuedAt}} {
		if *d.out, err = claimDate(members[d.name]); err != nil {
			return nil, fmt.Errorf("%w: %s is not a date", errAssertion, d.name)
		}
	}
	return c, nil
}

// absent reports whether a member is missing or null.
func absent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

func stringClaim(raw json.RawMessage, out *string) error {
	if absent(raw) {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// parseAudience reads aud: one string, or an array of strings
// (RFC 7519 §4.1.3).
func parseAudience(raw json.RawMessage) ([]string, error) {
	if absent(raw) {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: aud is neither a string nor an array of strings", errAssertion)
	}
	return list, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

// claimDate converts a NumericDate, seconds since the epoch that may
// have a fraction (RFC 7519 §2).
func claimDate(raw json.RawMessage) (time.Time, error) {
	if absent(raw) {
		return time.Time{}, nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return time.Time{}, err
	}
	if math.IsNaN(v) || v < 0 || v > maxNumericDate {
		return time.Time{}, errors.New("out of range")
	}
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// AssertionRules are what an assertion's claims are checked against.
type AssertionRules struct {
	// Audiences are the values aud may take: the assertion's aud must
	// be exactly one of them, alone, as a string or an array of one
	// (RFC 7523 §3, item 3). An aud array with any other member is
	// refused, lest an assertion meant for another server pass here.
	Audiences []string
	// Now is the time the assertion is received.
	Now time.Time
	// MaxLifetime bounds exp - iat, and exp - Now; zero means
	// DefaultAssertionLifetime.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed; zero means
	// DefaultAssertionLeeway.
	Leeway time.Duration
}

func (r AssertionRules) leeway() time.Duration {
	if r.Leeway > 0 {
		return r.Leeway
	}
	return DefaultAssertionLeeway
}

func (r AssertionRules) maxLifetime() time.Duration {
	if r.MaxLifetime > 0 {
		return r.MaxLifetime
	}
	return DefaultAssertionLifetime
}

// Check applies RFC 7523 §3 to the claims: iss and sub present (items
// 1, 2), aud one of Audiences (3), exp present and not past (4), nbf and
// iat not in the future (5, 6), a jti (7; the replay check is the
// caller's), and a lifetime within MaxLifetime, each time with Leeway.
func (r AssertionRules) Check(c *AssertionClaims) error {
	switch {
	case c.Issuer == "" || c.Subject == "":
		return fmt.Errorf("%w: iss or sub missing", errAssertion)
	case c.JWTID == "":
		return fmt.Errorf("%w: jti missing", errAssertion)
	case len(c.Audience) != 1 || c.Audience[0] == "" || !slices.Contains(r.Audiences, c.Audience[0]):
		return fmt.Errorf("%w: aud %q not accepted", errAssertion, c.Audience)
	}
	return r.checkTimes(c)
}

func (r AssertionRules) checkTimes(c *AssertionClaims) error {
	skew := r.leeway()
	switch {
	case c.Expiry.IsZero():
		return fmt.Errorf("%w: exp missing", errAssertion)
	case r.Now.After(c.Expiry.Add(skew)):
		return fmt.Errorf("%w: expired", errAssertion)
	case !c.NotBefore.IsZero() && c.NotBefore.After(r.Now.Add(skew)):
		return fmt.Errorf("%w: not yet valid", errAssertion)
	case !c.IssuedAt.IsZero() && c.IssuedAt.After(r.Now.Add(skew)):
		return fmt.Errorf("%w: issued in the future", errAssertion)
	case c.Expiry.Sub(r.Now) > r.maxLifetime()+skew:
		return fmt.Errorf("%w: lives too long", errAssertion)
	case !c.IssuedAt.IsZero() && c.Expiry.Sub(c.IssuedAt) > r.maxLifetime():
		return fmt.Errorf("%w: lives too long", errAssertion)
	}
	return nil
}

// ReplayUntil is the time until which the jti of an assertion accepted
// under r must be remembered: its exp plus the leeway.
func (r AssertionRules) ReplayUntil(c *AssertionClaims) time.Time {
	return c.Expiry.Add(r.leeway())
}
