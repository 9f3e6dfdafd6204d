// Package jwtbearer is the JWT bearer grant (RFC 7523 §2.1): a client
// presents a JWT that a trusted issuer signed about a subject, such as a
// user of another system or a workload, and gets an access token for that
// subject.
//
// Only the issuers the server trusts are accepted, each with its key
// source and its policy: which subjects it may speak for and which scope
// its assertions may obtain. Every assertion is checked as RFC 7523 §3
// says: its aud is this server's issuer identifier alone, its exp is not
// past and not too far ahead, and its jti is never accepted twice. A bad
// assertion is invalid_grant, whatever its fault (§3.1).
package jwtbearer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// DefaultAuthMethods are the client authentication methods accepted when
// Config.AuthMethods is nil.
var DefaultAuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic}

// Issuer is an issuer whose assertions the server trusts, and what they
// may obtain. Its zero policy allows nothing: list the subjects (or set
// AnySubject) and the scope.
type Issuer struct {
	// ID is the iss of its assertions.
	ID string
	// Keys holds its public keys: a *keyset.JWKS, or a *keyset.Remote
	// for a jwks_uri.
	Keys keyset.KeySource
	// Algorithms are the signature algorithms accepted; nil means every
	// asymmetric algorithm of keyset.
	Algorithms []keyset.Algorithm
	// Subjects are the sub values its assertions may carry, compared
	// exactly; AnySubject allows every one.
	Subjects   []string
	AnySubject bool
	// Scope is the most a token obtained with its assertions may hold;
	// the client's own scope bounds it too.
	Scope grantry.Scope
	// Clients are the IDs of the clients that may present its assertions;
	// nil means every client allowed the grant type.
	Clients []string
}

// Config configures the grant.
type Config struct {
	// Audience is the aud every assertion must carry, alone: this
	// server's issuer identifier (RFC 7523 §3, item 3). Required.
	Audience string
	// Issuers are the trusted issuers. An assertion of any other is
	// invalid_grant.
	Issuers []Issuer
	// ReplayCache remembers the jti of accepted assertions until they
	// expire (RFC 7523 §3, item 7). Required.
	ReplayCache storage.ReplayCache
	// MaxLifetime bounds how long an assertion may live; zero means
	// authserver.DefaultAssertionLifetime.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed; zero means
	// authserver.DefaultAssertionLeeway.
	Leeway time.Duration
	// AuthMethods are the client authentication methods accepted; nil
	// means DefaultAuthMethods.
	AuthMethods []grantry.AuthMethod
}

// Grant is the JWT bearer grant.
type Grant struct {
	cfg     Config
	issuers map[string]*Issuer
}

// New returns the grant, or an error when the configuration lacks the
// audience or the replay cache, or names an issuer twice or without keys.
func New(cfg Config) (*Grant, error) {
	if cfg.Audience == "" || cfg.ReplayCache == nil {
		return nil, errors.New("jwtbearer: Config.Audience and Config.ReplayCache are required")
	}
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	g := &Grant{cfg: cfg, issuers: make(map[string]*Issuer, len(cfg.Issuers))}
	for i := range cfg.Issuers {
		iss := &cfg.Issuers[i]
		if _, dup := g.issuers[iss.ID]; dup || iss.ID == "" || iss.Keys == nil {
			return nil, fmt.Errorf("jwtbearer: issuer %q is empty, listed twice or has no keys", iss.ID)
		}
		g.issuers[iss.ID] = iss
	}
	return g, nil
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantJWTBearer }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// Token implements authserver.TokenGrant (RFC 7523 §2.1, §3): the
// assertion is verified with its issuer's keys and checked, the scope is
// bounded by the issuer's and the client's, and the jti is recorded last,
// so that a refused request spends no assertion. No refresh token is
// issued: the client presents a new assertion instead.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	token := req.Get("assertion")
	if token == "" {
		return nil, grantry.InvalidRequest("the assertion is missing")
	}
	iss, claims, err := g.verify(ctx, req, token)
	if err != nil {
		return nil, invalidGrant(err)
	}
	sc, err := req.RequestedScope()
	if err != nil {
		return nil, err
	}
	if !iss.Scope.Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds what the assertion's issuer may grant")
	}
	seen, err := g.cfg.ReplayCache.SeenJTI(ctx, authserver.ReplayKey("jwt-bearer", iss.ID, claims.JWTID), g.rules(req).ReplayUntil(claims))
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, invalidGrant(errors.New("jti replayed"))
	}
	return &authserver.Issue{Subject: claims.Subject, Scope: sc}, nil
}

// invalidGrant is the answer to any fault of the assertion (RFC 7523
// §3.1); the fault is the cause, logged, never sent.
func invalidGrant(cause error) *grantry.Error {
	e := grantry.NewError(grantry.ErrInvalidGrant, "the assertion is invalid")
	e.Cause = cause
	return e
}

// verify finds the assertion's issuer, checks its signature and claims,
// and applies the issuer's policy of subjects and clients.
func (g *Grant) verify(ctx context.Context, req *authserver.TokenRequest, token string) (*Issuer, *authserver.AssertionClaims, error) {
	u, err := keyset.ParseUnverified(token)
	if err != nil {
		return nil, nil, err
	}
	unverified, err := authserver.ParseAssertionClaims(u.Payload)
	if err != nil {
		return nil, nil, err
	}
	iss, ok := g.issuers[unverified.Issuer]
	if !ok {
		return nil, nil, fmt.Errorf("untrusted issuer %q", unverified.Issuer)
	}
	algs := iss.Algorithms
	if algs == nil {
		algs = keyset.AsymmetricAlgorithms()
	}
	v, err := keyset.Verify(ctx, token, iss.Keys, algs)
	if err != nil {
		return nil, nil, err
	}
	claims, err := authserver.ParseAssertionClaims(v.Payload)
	if err != nil {
		return nil, nil, err
	}
	if err := g.rules(req).Check(claims); err != nil {
		return nil, nil, err
	}
	switch {
	case claims.Issuer != iss.ID:
		return nil, nil, errors.New("iss changed")
	case !iss.AnySubject && !slices.Contains(iss.Subjects, claims.Subject):
		return nil, nil, fmt.Errorf("issuer %q may not assert subject %q", iss.ID, claims.Subject)
	case iss.Clients != nil && !slices.Contains(iss.Clients, req.Client.ID):
		return nil, nil, fmt.Errorf("client %q may not present assertions of issuer %q", req.Client.ID, iss.ID)
	}
	return iss, claims, nil
}

func (g *Grant) rules(req *authserver.TokenRequest) authserver.AssertionRules {
	return authserver.AssertionRules{
		Audiences:   []string{g.cfg.Audience},
		Now:         req.Time,
		MaxLifetime: g.cfg.MaxLifetime,
		Leeway:      g.cfg.Leeway,
	}
}
