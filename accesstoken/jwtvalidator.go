package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// JWTValidatorConfig configures a JWTValidator.
type JWTValidatorConfig struct {
	// Issuer is the authorization server's issuer identifier, which the
	// iss claim must equal (RFC 9068 §4). Required.
	Issuer string
	// Audience is the resource server's own identifier, which the aud
	// claim must hold (RFC 9068 §4, RFC 8707). Required.
	Audience string
	// Algorithms are the signature algorithms accepted; nil means every
	// asymmetric algorithm keyset supports. An HMAC algorithm, whose key
	// a resource server would share, and "none" are never accepted.
	Algorithms []keyset.Algorithm
	// Leeway is the clock skew tolerated when checking exp, nbf and iat;
	// zero tolerates none. Give bearer.Config.Leeway the same value, as
	// the Protector checks exp and nbf again.
	Leeway time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// JWTValidator validates the JWT access tokens of RFC 9068 locally, with
// the authorization server's public keys. It is a bearer.Validator. It is
// safe for concurrent use when its key source is (keyset.Set,
// keyset.JWKS and keyset.Remote are).
type JWTValidator struct {
	keys keyset.KeySource
	cfg  JWTValidatorConfig
}

// NewJWTValidator returns a validator over keys, such as a keyset.Remote
// of the authorization server's jwks_uri, which fetches the set again when
// a token names a key it does not know. It fails when Issuer or Audience is
// missing.
func NewJWTValidator(keys keyset.KeySource, cfg JWTValidatorConfig) (*JWTValidator, error) {
	if keys == nil {
		return nil, errors.New("accesstoken: NewJWTValidator needs a key source")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("accesstoken: JWTValidatorConfig.Issuer and Audience are required")
	}
	if cfg.Algorithms == nil {
		cfg.Algorithms = keyset.AsymmetricAlgorithms()
	}
	cfg.Algorithms = slices.DeleteFunc(slices.Clone(cfg.Algorithms), keyset.Algorithm.Symmetric)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Leeway = max(cfg.Leeway, 0)
	return &JWTValidator{keys: keys, cfg: cfg}, nil
}

// receivedClaims are the claims of a JWT access token as received.
type receivedClaims struct {
	jwtClaims
	NotBefore numericDate `json:"nbf"`
}

// ValidateToken checks a JWT access token as RFC 9068 §4 says: the typ
// header, the signature by one of the allowed algorithms and a key of the
// source, iss, aud, then exp, nbf and iat. A token that fails any check is
// no error: its info is inactive. An error means the keys could not be
// had, as when the JWK Set cannot be fetched.
//
// The info holds the token's claims: scope, client_id, sub, aud, iss, jti
// and the times, and auth_time, acr, amr and act (RFC 8693 §4.1, an
// object) in Extra when present. A token bound to a DPoP key has
// token_type DPoP and its cnf claim in Extra, as introspection gives it
// (RFC 9449 §6.2). A JWT
// cannot tell of its revocation: see bearer.Config.Revoked.
func (v *JWTValidator) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	verified, err := keyset.Verify(ctx, token, v.keys, v.cfg.Algorithms)
	if err != nil {
		if rejected(err) {
			return grantry.TokenInfo{}, nil
		}
		return grantry.TokenInfo{}, err
	}
	if !isAccessTokenType(verified.Header.Type) {
		return grantry.TokenInfo{}, nil
	}
	var c receivedClaims
	if err := json.Unmarshal(verified.Payload, &c); err != nil {
		return grantry.TokenInfo{}, nil
	}
	scope, err := grantry.ParseScope(c.Scope)
	if err != nil || !v.valid(&c) {
		return grantry.TokenInfo{}, nil
	}
	return c.info(scope), nil
}

// rejected tells the failures that are the token's fault from those of the
// key source.
func rejected(err error) bool {
	return errors.Is(err, keyset.ErrMalformed) || errors.Is(err, keyset.ErrAlgorithm) ||
		errors.Is(err, keyset.ErrUnknownKey) || errors.Is(err, keyset.ErrSignature)
}

// isAccessTokenType accepts typ at+jwt and its full media type
// application/at+jwt (RFC 9068 §4), case-insensitively (RFC 7515 §4.1.9).
func isAccessTokenType(typ string) bool {
	typ = strings.ToLower(typ)
	return typ == JWTType || typ == "application/"+JWTType
}

// valid checks the claims (RFC 9068 §2.2, §4): every required one present,
// iss and aud as configured, and the times within the leeway.
func (v *JWTValidator) valid(c *receivedClaims) bool {
	if c.Subject == "" || c.ClientID == "" || c.ID == "" || c.Expiry == 0 || c.IssuedAt == 0 {
		return false
	}
	if c.Issuer != v.cfg.Issuer || !slices.Contains(c.Audience, v.cfg.Audience) {
		return false
	}
	now := v.cfg.Now()
	late, early := now.Add(-v.cfg.Leeway), now.Add(v.cfg.Leeway)
	if !late.Before(c.Expiry.time()) {
		return false
	}
	if c.NotBefore != 0 && early.Before(c.NotBefore.time()) {
		return false
	}
	return !early.Before(c.IssuedAt.time())
}

func (c *receivedClaims) info(scope grantry.Scope) grantry.TokenInfo {
	info := grantry.TokenInfo{
		Active: true, Scope: scope, ClientID: c.ClientID,
		TokenType: grantry.TokenTypeBearer, ExpiresAt: c.Expiry.time(), IssuedAt: c.IssuedAt.time(),
		Subject: c.Subject, Audience: c.Audience, Issuer: c.Issuer, JTI: c.ID,
	}
	if c.NotBefore != 0 {
		info.NotBefore = c.NotBefore.time()
	}
	var act map[string]any
	if len(c.Act) > 0 && json.Unmarshal(c.Act, &act) != nil {
		act = nil
	}
	if c.AuthTime == 0 && c.ACR == "" && len(c.AMR) == 0 && act == nil && c.Cnf == nil {
		return info
	}
	info.Extra = make(map[string]any, 4)
	if act != nil {
		info.Extra[storage.ExtraAct] = act
	}
	if c.Cnf != nil {
		// A DPoP-bound token (RFC 9449 §6.1).
		info.TokenType = grantry.TokenTypeDPoP
		info.Extra["cnf"] = map[string]any{"jkt": c.Cnf.JKT}
	}
	if c.AuthTime != 0 {
		info.Extra[ExtraAuthTime] = int64(c.AuthTime)
	}
	if c.ACR != "" {
		info.Extra[ExtraACR] = c.ACR
	}
	if len(c.AMR) > 0 {
		info.Extra[ExtraAMR] = c.AMR
	}
	return info
}
