package devicecode

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

// ErrUserCode is returned for a user code that is malformed, unknown,
// expired or decided already: the verification page says the code is
// not valid, and should count the attempt as a failed guess.
var ErrUserCode = errors.New("devicecode: the user code is not valid")

// errConsentScope is a programming error of the caller: the consent
// grants scope that was not requested.
var errConsentScope = errors.New("devicecode: the consent grants scope that was not requested")

// Lookup returns the pending authorization of the user code the user
// typed (RFC 8628 §3.3), for the verification page to show its client and
// scope, or ErrUserCode. The code is normalised first (NormalizeUserCode).
func (g *Grant) Lookup(ctx context.Context, userCode string, now time.Time) (*storage.DeviceAuthorization, error) {
	code, ok := NormalizeUserCode(userCode)
	if !ok {
		return nil, ErrUserCode
	}
	d, err := g.store.DeviceAuthorizationByUserCode(ctx, digest(code), now)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrUserCode
	}
	return d, err
}

// Approve records the signed-in user's approval of the authorization of
// userCode; the device's next poll gets the tokens. c.Scope, nil for all
// that was requested, must be within the requested scope; an empty,
// non-nil scope for a request that asked for some denies it, as for the
// authorization endpoint (authserver.Consent). The session's ID, ACR and
// AMR are kept with the tokens (authserver.ExtraSessionID...). It
// returns ErrUserCode when the code is not, or no longer, pending.
func (g *Grant) Approve(ctx context.Context, userCode string, c *authserver.Consent, now time.Time) (*storage.DeviceAuthorization, error) {
	d, err := g.Lookup(ctx, userCode, now)
	if err != nil {
		return nil, err
	}
	scope := c.Scope
	if scope == nil {
		scope = d.Scope
	}
	if !d.Scope.Contains(scope) {
		return nil, errConsentScope
	}
	if len(scope) == 0 && len(d.Scope) > 0 {
		return g.decide(ctx, userCode, &storage.DeviceDecision{}, now)
	}
	dec := &storage.DeviceDecision{
		Approve: true, Subject: c.Subject, GrantedScope: scope, AuthTime: c.AuthTime, Extra: consentExtra(c),
	}
	if dec.AuthTime.IsZero() {
		dec.AuthTime = now
	}
	return g.decide(ctx, userCode, dec, now)
}

// Deny records the user's refusal: the device's next poll gets
// access_denied. It returns ErrUserCode when the code is not, or no
// longer, pending.
func (g *Grant) Deny(ctx context.Context, userCode string, now time.Time) error {
	_, err := g.decide(ctx, userCode, &storage.DeviceDecision{}, now)
	return err
}

func (g *Grant) decide(ctx context.Context, userCode string, dec *storage.DeviceDecision, now time.Time) (*storage.DeviceAuthorization, error) {
	code, ok := NormalizeUserCode(userCode)
	if !ok {
		return nil, ErrUserCode
	}
	d, err := g.store.DecideDeviceAuthorization(ctx, digest(code), dec, now)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrUserCode
	}
	return d, err
}

// consentExtra keeps what the consent says of the user's session with the
// tokens, under the keys an authorization code keeps them.
func consentExtra(c *authserver.Consent) map[string]string {
	m := map[string]string{}
	if c.SessionID != "" {
		m[authserver.ExtraSessionID] = c.SessionID
	}
	if c.ACR != "" {
		m[authserver.ExtraACR] = c.ACR
	}
	if len(c.AMR) > 0 {
		m[authserver.ExtraAMR] = strings.Join(c.AMR, " ")
	}
	if !c.AuthTime.IsZero() {
		m[authserver.ExtraAuthTime] = strconv.FormatInt(c.AuthTime.Unix(), 10)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
