package tokenexchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// Issuer is an issuer whose JWTs the grant trusts as subject or actor
// tokens (RFC 8693 §3, token type TypeJWT), as a federated identity
// provider. Its sub and client_id (or azp) claims are taken to name the
// server's own users and clients.
type Issuer struct {
	// Issuer is the iss claim of its tokens. Required.
	Issuer string
	// Keys are its public keys, such as a keyset.Remote of its jwks_uri.
	// Required.
	Keys keyset.KeySource
	// Audiences are the identifiers of this server in its tokens: the aud
	// claim must name one. Required for Issuers; IDTokens ignores it.
	Audiences []string
	// Algorithms are the signature algorithms accepted; nil means every
	// asymmetric algorithm keyset supports. HMAC and "none" never are.
	Algorithms []keyset.Algorithm
	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	Leeway time.Duration
}

// Issuers returns a validator of the JWTs of the trusted issuers. A JWT
// is valid when its iss is one of them, its signature verifies with that
// issuer's keys, its aud names one of the issuer's Audiences, it has a
// sub and an exp, and exp, nbf and iat hold at the time of the request
// within the leeway; keys that cannot be had, as when the issuer's JWK
// Set cannot be fetched, are storage.ErrUnavailable. It fails when an
// issuer lacks Issuer, Keys or Audiences, or is listed twice.
func Issuers(issuers ...Issuer) (Validator, error) {
	v := &jwtValidator{issuers: make(map[string]*Issuer, len(issuers))}
	for i := range issuers {
		is := issuers[i]
		if is.Issuer == "" || is.Keys == nil || len(is.Audiences) == 0 {
			return nil, errors.New("tokenexchange: a trusted issuer needs Issuer, Keys and Audiences")
		}
		if v.issuers[is.Issuer] != nil {
			return nil, fmt.Errorf("tokenexchange: issuer %q is listed twice", is.Issuer)
		}
		v.issuers[is.Issuer] = withAlgorithms(is)
	}
	return v, nil
}

// IDTokens returns a validator of the server's own ID tokens (token type
// TypeIDToken): JWTs of typ JWT or none from the server's issuer, signed
// with its keys, valid as Issuers checks them but for aud, which names
// the client the ID token was issued to: its ClientID, or azp's when the
// token has one. It fails when Issuer or Keys is missing.
func IDTokens(own Issuer) (Validator, error) {
	if own.Issuer == "" || own.Keys == nil {
		return nil, errors.New("tokenexchange: IDTokens needs Issuer and Keys")
	}
	own.Audiences = nil
	return &jwtValidator{issuers: map[string]*Issuer{own.Issuer: withAlgorithms(own)}, idTokens: true}, nil
}

func withAlgorithms(is Issuer) *Issuer {
	if is.Algorithms == nil {
		is.Algorithms = keyset.AsymmetricAlgorithms()
	}
	is.Algorithms = slices.DeleteFunc(slices.Clone(is.Algorithms), keyset.Algorithm.Symmetric)
	is.Leeway = max(is.Leeway, 0)
	return &is
}

type jwtValidator struct {
	issuers  map[string]*Issuer
	idTokens bool
}

// jwtClaims are the claims the grant reads of a JWT.
type jwtClaims struct {
	Issuer    string         `json:"iss"`
	Subject   string         `json:"sub"`
	Audience  audience       `json:"aud"`
	Expiry    *float64       `json:"exp"`
	NotBefore *float64       `json:"nbf"`
	IssuedAt  *float64       `json:"iat"`
	ClientID  string         `json:"client_id"`
	AZP       string         `json:"azp"`
	Scope     string         `json:"scope"`
	Act       map[string]any `json:"act"`
	MayAct    map[string]any `json:"may_act"`
}

func (v *jwtValidator) Validate(ctx context.Context, token string, now time.Time) (*Token, error) {
	is := v.issuers[unverifiedIssuer(token)]
	if is == nil {
		return nil, fmt.Errorf("%w: no trusted issuer", ErrInvalidToken)
	}
	verified, err := keyset.Verify(ctx, token, is.Keys, is.Algorithms)
	if err != nil {
		if rejected(err) {
			return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
		}
		// The issuer's keys could not be had: worth a retry.
		return nil, fmt.Errorf("%w: keys of %s: %v", storage.ErrUnavailable, is.Issuer, err)
	}
	if v.idTokens && verified.Header.Type != "" && !strings.EqualFold(verified.Header.Type, "JWT") {
		return nil, fmt.Errorf("%w: not an ID token", ErrInvalidToken)
	}
	var c jwtClaims
	if err := json.Unmarshal(verified.Payload, &c); err != nil {
		return nil, fmt.Errorf("%w: malformed claims", ErrInvalidToken)
	}
	if err := v.check(is, &c, now); err != nil {
		return nil, err
	}
	return c.token(v.idTokens)
}

// rejected tells the failures that are the token's fault from those of
// the key source.
func rejected(err error) bool {
	return errors.Is(err, keyset.ErrMalformed) || errors.Is(err, keyset.ErrAlgorithm) ||
		errors.Is(err, keyset.ErrUnknownKey) || errors.Is(err, keyset.ErrSignature)
}

// check applies the checks of RFC 7519 §4.1 the grant relies on.
func (v *jwtValidator) check(is *Issuer, c *jwtClaims, now time.Time) error {
	switch {
	case c.Issuer != is.Issuer:
		return fmt.Errorf("%w: wrong issuer", ErrInvalidToken)
	case c.Subject == "" || c.Expiry == nil:
		return fmt.Errorf("%w: sub or exp missing", ErrInvalidToken)
	case v.idTokens && len(c.Audience) == 0:
		return fmt.Errorf("%w: aud missing", ErrInvalidToken)
	case !v.idTokens && !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(is.Audiences, a) }):
		return fmt.Errorf("%w: not meant for this server", ErrInvalidToken)
	}
	late, early := now.Add(-is.Leeway), now.Add(is.Leeway)
	switch {
	case !late.Before(unix(*c.Expiry)):
		return fmt.Errorf("%w: expired", ErrInvalidToken)
	case c.NotBefore != nil && early.Before(unix(*c.NotBefore)):
		return fmt.Errorf("%w: not yet valid", ErrInvalidToken)
	case c.IssuedAt != nil && early.Before(unix(*c.IssuedAt)):
		return fmt.Errorf("%w: issued in the future", ErrInvalidToken)
	}
	return nil
}

// unix converts a NumericDate (RFC 7519 §2), clamping absurd values.
func unix(f float64) time.Time {
	if math.IsNaN(f) || f < 0 {
		return time.Unix(0, 0)
	}
	if f > 1<<40 {
		f = 1 << 40
	}
	return time.Unix(int64(f), 0)
}

func (c *jwtClaims) token(idToken bool) (*Token, error) {
	sc, err := grantry.ParseScope(c.Scope)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed scope", ErrInvalidToken)
	}
	t := &Token{
		Issuer: c.Issuer, Subject: c.Subject, ClientID: c.ClientID, Scope: sc, Audience: c.Audience,
		ExpiresAt: unix(*c.Expiry), Act: c.Act, MayAct: c.MayAct,
	}
	if t.ClientID == "" {
		t.ClientID = c.AZP
	}
	if idToken && t.ClientID == "" && len(c.Audience) == 1 {
		t.ClientID = c.Audience[0]
	}
	return t, nil
}

// unverifiedIssuer returns the iss claim of a JWS whose signature is not
// checked yet: only to pick the keys that then verify it.
func unverifiedIssuer(token string) string {
	u, err := keyset.ParseUnverified(token)
	if err != nil {
		return ""
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if json.Unmarshal(u.Payload, &c) != nil {
		return ""
	}
	return c.Issuer
}

// audience is an aud claim: a string or an array of strings
// (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}
