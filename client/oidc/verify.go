package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/keyset"
)

// DefaultLeeway is the clock skew allowed when Verifier.Leeway is zero.
const DefaultLeeway = time.Minute

// VerifierConfig configures a [Verifier].
type VerifierConfig struct {
	// ClientID is the client the ID tokens must be issued to. Required.
	ClientID string
	// TrustedAudiences are the audiences other than ClientID that an ID
	// token may name in aud, such as an API the client calls with it. A
	// token naming any other audience is rejected (OpenID Connect Core 1.0
	// §3.1.3.7 step 3); by default aud may name the client only.
	TrustedAudiences []string
	// ClientSecret, when set, checks ID tokens signed with an HMAC
	// algorithm, if Algorithms allows one (OpenID Connect Core 1.0 §10.1).
	ClientSecret string
	// Algorithms are the allowed signature algorithms. By default RS256
	// and, for a verifier made by a Provider, the algorithms it lists that
	// this package supports.
	Algorithms []keyset.Algorithm
	// Leeway is the clock skew allowed on exp, iat, nbf and auth_time.
	// Zero means DefaultLeeway; a negative value allows none.
	Leeway time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Verifier validates the ID tokens of one provider for one client. It is
// safe for concurrent use.
type Verifier struct {
	issuer string
	keys   keyset.KeySource
	cfg    VerifierConfig
	algs   []keyset.Algorithm
}

// NewVerifier returns a verifier of ID tokens from issuer signed with keys.
func NewVerifier(issuer string, keys keyset.KeySource, cfg VerifierConfig) *Verifier {
	return newVerifier(issuer, keys, cfg, []keyset.Algorithm{keyset.RS256})
}

// Verifier returns a verifier of the provider's ID tokens.
func (p *Provider) Verifier(cfg VerifierConfig) *Verifier {
	return newVerifier(p.meta.Issuer, p.keys, cfg, p.idTokenAlgorithms())
}

func newVerifier(issuer string, keys keyset.KeySource, cfg VerifierConfig, defaults []keyset.Algorithm) *Verifier {
	if cfg.Algorithms == nil {
		cfg.Algorithms = defaults
	}
	var algs []keyset.Algorithm
	for _, a := range cfg.Algorithms {
		if a.Supported() && (!a.Symmetric() || cfg.ClientSecret != "") && !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = DefaultLeeway
	}
	cfg.Leeway = max(cfg.Leeway, 0)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{issuer: issuer, keys: keys, cfg: cfg, algs: algs}
}

// Algorithms returns the signature algorithms the verifier accepts.
func (v *Verifier) Algorithms() []keyset.Algorithm { return slices.Clone(v.algs) }

// Expect holds what the client knows about one particular ID token from
// its own request and the response that carried the token.
type Expect struct {
	// Nonce is the nonce sent in the authentication request; when set, the
	// token's nonce must equal it (§3.1.3.7 step 11).
	Nonce string
	// AccessToken is the access token issued with the ID token; when set
	// and the token has at_hash, they must match (§3.1.3.8, §3.2.2.9).
	AccessToken string
	// Code is the authorization code issued with the ID token in a hybrid
	// response; when set and the token has c_hash, they must match
	// (§3.3.2.10).
	Code string
	// RequireAccessTokenHash and RequireCodeHash make at_hash and c_hash
	// mandatory, as the implicit and hybrid flows do (§3.2.2.10,
	// §3.3.2.11).
	RequireAccessTokenHash bool
	RequireCodeHash        bool
	// AuthAfter, when set, requires auth_time no earlier than it: the time
	// of the request less its max_age (§3.1.3.7 step 13).
	AuthAfter time.Time
}

// Verify validates an ID token as OpenID Connect Core 1.0 §3.1.3.7 asks
// and returns its claims. Each check returns an error wrapping the
// package's matching Err... value.
func (v *Verifier) Verify(ctx context.Context, raw string, exp Expect) (*IDToken, error) {
	signed, err := v.verifySignature(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("oidc: ID token signature: %w", err)
	}
	if err := checkType(signed.Header.Type); err != nil {
		return nil, err
	}
	tok, err := parseIDToken(raw, signed)
	if err != nil {
		return nil, err
	}
	checks := []func(*IDToken, Expect) error{
		v.checkIssuer, v.checkAudience, v.checkTimes, checkNonce, v.checkAuthTime, checkHashes,
	}
	for _, check := range checks {
		if err := check(tok, exp); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

// verifySignature checks the JWS with the provider's keys, or with the
// client secret for an allowed HMAC algorithm (§3.1.3.7 steps 6 to 8).
func (v *Verifier) verifySignature(ctx context.Context, raw string) (*keyset.Verified, error) {
	signed, err := keyset.Verify(ctx, raw, v.keys, v.algs)
	if errors.Is(err, keyset.ErrAlgorithm) && v.cfg.ClientSecret != "" {
		if signed, err2 := keyset.VerifyWithSecret(raw, []byte(v.cfg.ClientSecret), v.algs); !errors.Is(err2, keyset.ErrAlgorithm) {
			return signed, err2
		}
	}
	return signed, err
}

// checkType rejects a JWT whose typ header declares another kind of JWT,
// such as an access token ("at+jwt", RFC 9068 §2.1) or a logout token
// ("logout+jwt", OpenID Connect Back-Channel Logout 1.0 §2.4): explicit
// typing keeps one kind of JWT from passing for another (RFC 8725 §3.11).
// ID tokens are typed "JWT" or not at all. Media type names compare
// without regard to case, and "application/" may be left out (RFC 7515
// §4.1.9).
func checkType(typ string) error {
	t := strings.ToLower(typ)
	t = strings.TrimPrefix(t, "application/")
	if strings.HasSuffix(t, "+jwt") {
		return fmt.Errorf("%w: typ %q", ErrTokenType, typ)
	}
	return nil
}

// checkIssuer: iss must be the provider's issuer exactly (step 2).
func (v *Verifier) checkIssuer(t *IDToken, _ Expect) error {
	if t.Issuer != v.issuer {
		return fmt.Errorf("%w: %q", ErrIssuer, t.Issuer)
	}
	return nil
}

// checkAudience: aud must contain the client ID and no audience the client
// does not trust (step 3); with several audiences azp must be present
// (step 4); when present, azp must be the client ID (step 5).
func (v *Verifier) checkAudience(t *IDToken, _ Expect) error {
	if v.cfg.ClientID == "" || !slices.Contains(t.Audience, v.cfg.ClientID) {
		return fmt.Errorf("%w: aud %q", ErrAudience, t.Audience)
	}
	for _, aud := range t.Audience {
		if aud != v.cfg.ClientID && !slices.Contains(v.cfg.TrustedAudiences, aud) {
			return fmt.Errorf("%w: untrusted audience %q", ErrAudience, aud)
		}
	}
	if len(t.Audience) > 1 && t.AuthorizedParty == "" {
		return fmt.Errorf("%w: several audiences and no azp", ErrAuthorizedParty)
	}
	if t.AuthorizedParty != "" && t.AuthorizedParty != v.cfg.ClientID {
		return fmt.Errorf("%w: azp %q", ErrAuthorizedParty, t.AuthorizedParty)
	}
	return nil
}

// checkTimes: the token must not have expired (step 9), must not be issued
// in the future (step 10) and must have reached nbf (RFC 7519 §4.1.5),
// all within the leeway.
func (v *Verifier) checkTimes(t *IDToken, _ Expect) error {
	now, leeway := v.cfg.Now(), v.cfg.Leeway
	if !now.Before(t.Expiry.Add(leeway)) {
		return fmt.Errorf("%w: at %v", ErrExpired, t.Expiry.UTC())
	}
	if t.IssuedAt.After(now.Add(leeway)) {
		return fmt.Errorf("%w: iat %v", ErrIssuedAt, t.IssuedAt.UTC())
	}
	if !t.NotBefore.IsZero() && t.NotBefore.After(now.Add(leeway)) {
		return fmt.Errorf("%w: nbf %v", ErrNotYetValid, t.NotBefore.UTC())
	}
	return nil
}

// checkNonce: the nonce sent must come back (step 11).
func checkNonce(t *IDToken, exp Expect) error {
	if exp.Nonce == "" {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(exp.Nonce)) != 1 {
		return ErrNonce
	}
	return nil
}

// checkAuthTime: after a max_age request, auth_time must be present and
// recent enough (step 13).
func (v *Verifier) checkAuthTime(t *IDToken, exp Expect) error {
	if exp.AuthAfter.IsZero() {
		return nil
	}
	if t.AuthTime.IsZero() {
		return fmt.Errorf("%w: auth_time is missing", ErrAuthTime)
	}
	if t.AuthTime.Before(exp.AuthAfter.Add(-v.cfg.Leeway)) {
		return fmt.Errorf("%w: authenticated at %v", ErrAuthTime, t.AuthTime.UTC())
	}
	return nil
}

// checkHashes: at_hash and c_hash must match the access token and code
// they came with (§3.1.3.8, §3.2.2.9, §3.3.2.10).
func checkHashes(t *IDToken, exp Expect) error {
	if err := checkOneHash(t.Algorithm, t.AccessTokenHash, exp.AccessToken, exp.RequireAccessTokenHash, ErrAccessTokenHash); err != nil {
		return err
	}
	return checkOneHash(t.Algorithm, t.CodeHash, exp.Code, exp.RequireCodeHash, ErrCodeHash)
}

func checkOneHash(alg keyset.Algorithm, claim, value string, required bool, mismatch error) error {
	switch {
	case claim == "" && required:
		return fmt.Errorf("%w: claim missing", mismatch)
	case claim == "":
		return nil
	case value == "":
		if required {
			return fmt.Errorf("%w: nothing to compare with", mismatch)
		}
		return nil
	}
	return checkHash(alg, claim, value, mismatch)
}
