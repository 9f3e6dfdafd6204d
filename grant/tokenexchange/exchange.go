package tokenexchange

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

// Config configures the grant.
type Config struct {
	// Validators validate the subject and actor tokens, by token type
	// (RFC 8693 §3); a token of a type not listed is invalid_request.
	// Required: nil accepts no token.
	Validators map[string]Validator
	// Policy decides each exchange; nil is Rules, the safe default.
	Policy Policy
	// Rules are the default policy's, used when Policy is nil. The zero
	// value allows no audience or resource.
	Rules Rules
	// AuthMethods are the client authentication methods accepted; nil
	// means client_secret_basic and client_secret_post. "none" is never
	// accepted: a public client cannot be told apart from whoever holds
	// its tokens.
	AuthMethods []grantry.AuthMethod
}

// Grant is the token exchange grant, an authserver.TokenGrant.
type Grant struct {
	validators map[string]Validator
	policy     Policy
	methods    []grantry.AuthMethod
}

// New returns the grant.
func New(cfg Config) *Grant {
	g := &Grant{validators: cfg.Validators, policy: cfg.Policy}
	if g.policy == nil {
		rules := Rules{Targets: slices.Clone(cfg.Rules.Targets), Clients: maps.Clone(cfg.Rules.Clients)}
		g.policy = rules.Policy()
	}
	methods := cfg.AuthMethods
	if methods == nil {
		methods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost}
	}
	for _, m := range methods {
		if m != grantry.AuthNone {
			g.methods = append(g.methods, m)
		}
	}
	return g
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantTokenExchange }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.methods }

// Token implements authserver.TokenGrant (RFC 8693 §2): it validates the
// subject and actor tokens, checks may_act, asks the policy, and says
// what to issue.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	r, err := parseRequest(req.Params, g.validators)
	if err != nil {
		return nil, err
	}
	issued, err := issuedType(r.requestedType, req.AccessTokenFormat())
	if err != nil {
		return nil, err
	}
	e, err := g.exchange(ctx, req, r)
	if err != nil {
		return nil, err
	}
	d, err := g.policy(ctx, e)
	if err != nil {
		return nil, err
	}
	if !req.Client.Scope.Contains(d.Scope) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds what the client may request")
	}
	return issue(e, d, issued)
}

// exchange validates the tokens of a request and gathers what the policy
// decides on.
func (g *Grant) exchange(ctx context.Context, req *authserver.TokenRequest, r *request) (*Exchange, error) {
	e := &Exchange{Client: req.Client, Audience: r.audience, Resource: req.Resource, Time: req.Time}
	var err error
	if req.Get("scope") != "" {
		if e.Scope, err = req.RequestedScope(); err != nil {
			return nil, err
		}
	}
	if e.Subject, err = g.validate(ctx, r.subjectToken, r.subjectType, req.Time, "subject"); err != nil {
		return nil, err
	}
	if r.actorToken == "" {
		return e, nil
	}
	if e.Actor, err = g.validate(ctx, r.actorToken, r.actorType, req.Time, "actor"); err != nil {
		return nil, err
	}
	if e.Subject.MayAct != nil && !mayAct(e.Subject.MayAct, e.Actor) {
		// RFC 8693 §4.4: the subject token says who may act for it.
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "the subject token does not allow this actor")
	}
	return e, nil
}

// validate validates a subject or actor token: invalid_grant when it is
// not valid (RFC 8693 §2.2.2).
func (g *Grant) validate(ctx context.Context, token, typ string, now time.Time, which string) (*Token, error) {
	t, err := g.validators[typ].Validate(ctx, token, now)
	if errors.Is(err, ErrInvalidToken) {
		e := grantry.NewError(grantry.ErrInvalidGrant, "the "+which+" token is invalid")
		e.Cause = err
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	if t.Subject == "" {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "the "+which+" token names no subject")
	}
	t.Type = typ
	return t, nil
}

// issuedType decides issued_token_type (RFC 8693 §2.2.1): jwt when the
// client asked for one and its access tokens are JWTs (RFC 9068),
// access_token otherwise; a JWT asked for by a client whose access tokens
// are opaque is invalid_request.
func issuedType(requested, format string) (string, error) {
	if requested != TypeJWT {
		return TypeAccessToken, nil
	}
	if format != storage.AccessTokenJWT {
		return "", grantry.InvalidRequest("the server issues no JWT to this client")
	}
	return TypeJWT, nil
}

// issue says what to issue for a decision: a token for the subject, with
// the act claim of a delegation (RFC 8693 §4.1) or the subject token's own
// act, expiring no later than the tokens presented, and no refresh token.
func issue(e *Exchange, d *Decision, issued string) (*authserver.Issue, error) {
	act := e.Subject.Act
	if e.Actor != nil {
		act = actClaim(e.Actor, e.Subject.Act)
	}
	extra, err := actExtra(act)
	if err != nil {
		return nil, err
	}
	iss := &authserver.Issue{
		Subject: e.Subject.Subject, Scope: d.Scope, Resource: d.Audience, ExpiresIn: d.ExpiresIn,
		NotAfter: e.Subject.ExpiresAt, Extra: extra,
		Params: map[string]any{"issued_token_type": issued},
	}
	if iss.Resource == nil {
		iss.Resource = []string{} // decided: none, whatever the request asked
	}
	if e.Actor != nil && !e.Actor.ExpiresAt.IsZero() && (iss.NotAfter.IsZero() || e.Actor.ExpiresAt.Before(iss.NotAfter)) {
		iss.NotAfter = e.Actor.ExpiresAt
	}
	return iss, nil
}
