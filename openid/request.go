package openid

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Prompt values (Core §3.1.2.1).
const (
	PromptNone          = "none"
	PromptLogin         = "login"
	PromptConsent       = "consent"
	PromptSelectAccount = "select_account"
)

// Request is what an authorization request asks of the provider beyond
// OAuth 2.0 (Core §3.1.2.1): what the sign-in and consent pages need.
type Request struct {
	// Prompt holds the prompt values; none excludes every other one.
	Prompt []string
	// MaxAge is the max_age parameter; negative when absent.
	MaxAge time.Duration
	// LoginHint and UILocales are passed to the sign-in page as they are.
	LoginHint string
	UILocales []string
	// ACRValues are the requested authentication context classes.
	ACRValues []string
	// HintSubject is the sub of the id_token_hint, as its client knows
	// the user (pairwise or public); "" when there is none.
	HintSubject string
	// Claims is the claims parameter, or nil.
	Claims *ClaimsRequest
}

// HasPrompt reports whether the request holds the prompt value v.
func (r *Request) HasPrompt(v string) bool {
	for _, p := range r.Prompt {
		if p == v {
			return true
		}
	}
	return false
}

// OpenID reports whether an authorization request is an OpenID Connect
// one: its scope holds openid.
func OpenID(req *authserver.AuthorizationRequest) bool { return req.Scope.Has(ScopeOpenID) }

// ParseRequest reads the OpenID Connect parameters of an authorization
// request the server has validated, checking id_token_hint with the
// provider's keys. An error is the one to answer (invalid_request).
func (p *Provider) ParseRequest(ctx context.Context, req *authserver.AuthorizationRequest) (*Request, error) {
	r := &Request{MaxAge: -1, LoginHint: req.Get("login_hint"),
		UILocales: strings.Fields(req.Get("ui_locales")), ACRValues: strings.Fields(req.Get("acr_values"))}
	var err error
	if r.Prompt, err = parsePrompt(req.Get("prompt")); err != nil {
		return nil, err
	}
	if r.MaxAge, err = parseMaxAge(req.Get("max_age")); err != nil {
		return nil, err
	}
	if raw := req.Get("claims"); raw != "" {
		if r.Claims, err = ParseClaimsRequest(raw); err != nil {
			return nil, err
		}
	}
	if hint := req.Get("id_token_hint"); hint != "" {
		if r.HintSubject, err = p.hintSubject(ctx, hint, req.Client.ID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func parsePrompt(raw string) ([]string, error) {
	values := strings.Fields(raw)
	for _, v := range values {
		switch v {
		case PromptNone:
			if len(values) > 1 {
				return nil, grantry.InvalidRequest("prompt=none may not be combined with other values")
			}
		case PromptLogin, PromptConsent, PromptSelectAccount:
		default:
			return nil, grantry.InvalidRequest("unsupported prompt value")
		}
	}
	return values, nil
}

func parseMaxAge(raw string) (time.Duration, error) {
	if raw == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 || n > int64(100*365*24*time.Hour/time.Second) {
		return 0, grantry.InvalidRequest("max_age must be a non-negative number of seconds")
	}
	return time.Duration(n) * time.Second, nil
}

// validateAuthorization checks the OpenID Connect parameters of an
// authorization request and keeps with the code what its ID token needs.
func (p *Provider) validateAuthorization(ctx context.Context, req *authserver.AuthorizationRequest) error {
	if err := unsupportedParams(req); err != nil {
		return err
	}
	rt := string(req.ResponseType)
	if !OpenID(req) {
		if strings.Contains(rt, string(grantry.ResponseIDToken)) {
			return grantry.NewError(grantry.ErrInvalidScope, "an id_token response requires scope openid")
		}
		return nil
	}
	if err := p.checkClient(req.Client); err != nil {
		return err
	}
	req.Nonce = req.Get("nonce")
	if req.Nonce == "" && rt != string(grantry.ResponseCode) && rt != string(grantry.ResponseToken) {
		return grantry.InvalidRequest("nonce is required for the implicit and hybrid flows")
	}
	r, err := p.ParseRequest(ctx, req)
	if err != nil {
		return err
	}
	if r.Claims != nil {
		b, err := json.Marshal(r.Claims)
		if err != nil {
			return grantry.ServerError(err)
		}
		if req.Extra == nil {
			req.Extra = map[string]string{}
		}
		req.Extra[extraClaims] = string(b)
	}
	return nil
}

// unsupportedParams refuses registration by parameter, which the
// provider does not support (Core §7.2.1). The request and request_uri
// parameters (Core §6) never reach the provider: the server resolves
// them first, answering request_not_supported or
// request_uri_not_supported when it cannot.
func unsupportedParams(req *authserver.AuthorizationRequest) error {
	if req.Get("registration") != "" {
		return grantry.NewError(grantry.ErrRegistrationNotSupported, "the registration parameter is not supported")
	}
	return nil
}
