package openid

import (
	"context"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Session is the user signed in at the browser that makes an
// authorization request.
type Session struct {
	// Subject identifies the user, as the server knows them.
	Subject string
	// AuthTime is when the user authenticated.
	AuthTime time.Time
	// Fresh tells that the user authenticated during this authorization
	// request, on the sign-in page it was sent to: that satisfies
	// prompt=login and prompt=select_account.
	Fresh bool
}

// Step is what the user must do before an authorization request can be
// answered.
type Step int

// Steps, in the order they happen.
const (
	// StepAnswer: nothing; answer the request with Server.Authorize.
	StepAnswer Step = iota
	// StepLogin: the user must sign in (again), maybe as someone else.
	StepLogin
	// StepConsent: the user must approve the request.
	StepConsent
)

// Next says what the user must do before the request can be answered,
// from its prompt, max_age and id_token_hint (Core §3.1.2.1): s is the
// signed-in user, nil when nobody is; consented tells whether a consent
// the user gave before covers the request. With prompt=none, a step that
// needs the user is an error to answer instead: login_required,
// consent_required. A request that is not an OpenID Connect one needs a
// sign-in without a session and consent unless consented.
func (p *Provider) Next(ctx context.Context, req *authserver.AuthorizationRequest, s *Session, consented bool) (Step, error) {
	r := &Request{MaxAge: -1}
	if OpenID(req) {
		var err error
		if r, err = p.ParseRequest(ctx, req); err != nil {
			return 0, err
		}
	}
	step, err := p.loginStep(req, r, s)
	if step == StepAnswer && err == nil && (!consented || r.HasPrompt(PromptConsent)) {
		step = StepConsent
	}
	if step != StepAnswer && r.HasPrompt(PromptNone) {
		return 0, noneError(step)
	}
	return step, err
}

// loginStep says whether the user must sign in.
func (p *Provider) loginStep(req *authserver.AuthorizationRequest, r *Request, s *Session) (Step, error) {
	switch {
	case s == nil || s.Subject == "":
		return StepLogin, nil
	case (r.HasPrompt(PromptLogin) || r.HasPrompt(PromptSelectAccount)) && !s.Fresh:
		return StepLogin, nil
	case r.MaxAge >= 0 && req.Time.Sub(s.AuthTime) > r.MaxAge:
		return StepLogin, nil
	}
	if r.HintSubject != "" {
		sub, err := p.subject(req.Client, s.Subject)
		if err != nil {
			return 0, err
		}
		if sub != r.HintSubject {
			return StepLogin, nil
		}
	}
	return StepAnswer, nil
}

func noneError(step Step) error {
	if step == StepLogin {
		return grantry.NewError(grantry.ErrLoginRequired, "the user must sign in")
	}
	return grantry.NewError(grantry.ErrConsentRequired, "the user must consent")
}
