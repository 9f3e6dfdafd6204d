package tokenexchange

import (
	"context"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// Exchange is a token exchange request whose tokens are valid, for a
// Policy to decide on.
type Exchange struct {
	// Client is the authenticated client asking.
	Client *storage.Client
	// Subject is the subject token and Actor the actor token, nil for
	// impersonation (RFC 8693 §1.1). When both are set, the subject
	// token's may_act, if any, names the actor (§4.4).
	Subject *Token
	Actor   *Token
	// Audience and Resource list the targets asked for (§2.1): logical
	// names, and absolute URIs the server checked (RFC 8707).
	Audience []string
	Resource []string
	// Scope is the scope asked for, within the client's and the server's
	// known scopes; nil when the request names none.
	Scope grantry.Scope
	// Time is when the request was received.
	Time time.Time
}

// Targets returns the audiences and resources asked for, without repeats.
func (e *Exchange) Targets() []string {
	out := slices.Clone(e.Audience)
	for _, r := range e.Resource {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Decision is what a Policy grants.
type Decision struct {
	// Scope is the scope of the issued token; it must lie within the
	// client's, or the request is invalid_scope.
	Scope grantry.Scope
	// Audience is the audience of the issued token: the resources it is
	// bound to (RFC 8707), aud of a JWT access token.
	Audience []string
	// ExpiresIn, when positive, is the issued token's lifetime in place of
	// the server's. Either way it ends by the time the subject and actor
	// tokens expire.
	ExpiresIn time.Duration
}

// Policy decides an exchange: what to issue, or a *grantry.Error such as
// unauthorized_client, invalid_target or invalid_scope (RFC 8693 §2.2.2).
type Policy func(ctx context.Context, e *Exchange) (*Decision, error)

// Rules is the default policy, as data.
//
// A client may exchange tokens issued to it, and those of the clients
// listed in its Subjects. It may impersonate, unless NoImpersonation
// says otherwise. It may delegate (send an actor token) only to itself,
// the actor token being issued to it or about it, and only when the
// subject token's may_act names the actor, unless DelegateWithoutMayAct
// lets it do so for subject tokens without may_act. It may ask for the
// audiences and resources of Targets and of its own ClientRules.Targets,
// else invalid_target; asking for none, it keeps the audience of an
// access token of the server's, and gets none for any other. Its scope
// is the one asked for, which must lie within the subject token's, else
// invalid_scope; asking for none, it gets the subject token's scope
// within its own.
type Rules struct {
	// Targets lists the audiences and resources every client may ask for.
	Targets []string
	// Clients holds the rules of particular clients, by client ID.
	Clients map[string]ClientRules
}

// ClientRules are the rules of one client. The zero value is the safe
// default.
type ClientRules struct {
	// Targets lists further audiences and resources the client may ask
	// for.
	Targets []string
	// Subjects lists the clients whose tokens the client may exchange,
	// besides its own; "*" is any client, as for a gateway.
	Subjects []string
	// NoImpersonation refuses the client's requests without an actor
	// token.
	NoImpersonation bool
	// DelegateWithoutMayAct lets the client act for subject tokens that
	// carry no may_act claim.
	DelegateWithoutMayAct bool
}

// Policy returns the rules as a Policy.
func (r *Rules) Policy() Policy {
	return func(_ context.Context, e *Exchange) (*Decision, error) {
		cr := r.Clients[e.Client.ID]
		if err := cr.checkParties(e); err != nil {
			return nil, err
		}
		aud, err := r.audience(&cr, e)
		if err != nil {
			return nil, err
		}
		sc, err := scopeOf(e)
		if err != nil {
			return nil, err
		}
		return &Decision{Scope: sc, Audience: aud}, nil
	}
}

// checkParties applies the rules on who may exchange the subject token,
// and as whom (RFC 8693 §1.1, §4.4).
func (cr *ClientRules) checkParties(e *Exchange) error {
	id := e.Client.ID
	if e.Subject.ClientID != id && !slices.Contains(cr.Subjects, e.Subject.ClientID) && !slices.Contains(cr.Subjects, "*") {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not exchange this subject token")
	}
	if e.Actor == nil {
		if cr.NoImpersonation {
			return grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not impersonate")
		}
		return nil
	}
	if e.Actor.ClientID != id && e.Actor.Subject != id {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the actor token is neither the client's nor about it")
	}
	if e.Subject.MayAct == nil && !cr.DelegateWithoutMayAct {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the subject token names no party that may act for it")
	}
	return nil
}

// audience checks the targets asked for against the allowed ones
// (RFC 8693 §2.2.2 invalid_target).
func (r *Rules) audience(cr *ClientRules, e *Exchange) ([]string, error) {
	targets := e.Targets()
	if len(targets) == 0 {
		if e.Subject.Type == TypeAccessToken {
			return slices.Clone(e.Subject.Audience), nil
		}
		return nil, nil
	}
	for _, t := range targets {
		if !slices.Contains(r.Targets, t) && !slices.Contains(cr.Targets, t) {
			return nil, grantry.NewError(grantry.ErrInvalidTarget, "the client may not ask for this audience or resource")
		}
	}
	return targets, nil
}

// scopeOf returns the scope asked for, which must lie within the subject
// token's, or the subject token's within the client's (RFC 8693 §2.1).
func scopeOf(e *Exchange) (grantry.Scope, error) {
	if e.Scope != nil {
		if !e.Subject.Scope.Contains(e.Scope) {
			return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds the subject token's")
		}
		return e.Scope, nil
	}
	return e.Subject.Scope.Intersect(e.Client.Scope), nil
}
