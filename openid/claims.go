package openid

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// ClaimSource finds the claims of users.
type ClaimSource interface {
	// UserClaims returns the claims of the user the server knows as
	// subject, by claim name (Core §5.1): only those the user has. An
	// unknown user is storage.ErrNotFound.
	UserClaims(ctx context.Context, subject string) (map[string]any, error)
}

// scopeClaims are the claims each scope value asks for (Core §5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// ClaimsRequest is the claims request parameter (Core §5.5): the claims
// asked for in UserInfo and in the ID token, by name.
type ClaimsRequest struct {
	UserInfo map[string]*ClaimRequest `json:"userinfo,omitempty"`
	IDToken  map[string]*ClaimRequest `json:"id_token,omitempty"`
}

// ClaimRequest is how one claim is asked for (Core §5.5.1); nil asks for
// it in the default manner.
type ClaimRequest struct {
	Essential bool  `json:"essential,omitempty"`
	Value     any   `json:"value,omitempty"`
	Values    []any `json:"values,omitempty"`
}

// ParseClaimsRequest reads a claims parameter. Members other than
// userinfo and id_token are ignored, as Core §5.5 asks; anything that is
// not a JSON object of objects is invalid_request.
func ParseClaimsRequest(raw string) (*ClaimsRequest, error) {
	var cr ClaimsRequest
	if err := json.Unmarshal([]byte(raw), &cr); err != nil {
		return nil, grantry.InvalidRequest("the claims parameter is not a valid JSON claims request")
	}
	return &cr, nil
}

// Essential returns the names of the essential claims of both members.
func (cr *ClaimsRequest) Essential() []string {
	var out []string
	for _, m := range []map[string]*ClaimRequest{cr.IDToken, cr.UserInfo} {
		for name, r := range m {
			if r != nil && r.Essential {
				out = append(out, name)
			}
		}
	}
	return out
}

// wanted returns the names of the claims asked for by scope and by one
// member of a claims request.
func wanted(scope grantry.Scope, member map[string]*ClaimRequest) map[string]bool {
	names := map[string]bool{}
	for _, s := range scope {
		for _, c := range scopeClaims[s] {
			names[c] = true
		}
	}
	for c := range member {
		names[c] = true
	}
	return names
}

// userClaims returns the claims of subject among names.
func (p *Provider) userClaims(ctx context.Context, subject string, names map[string]bool) (map[string]any, error) {
	if p.cfg.Claims == nil || len(names) == 0 {
		return nil, nil
	}
	all, err := p.cfg.Claims.UserClaims(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(names))
	for name, v := range all {
		if names[name] && !registered[name] {
			out[name] = v
		}
	}
	return out, nil
}

// idTokenClaims returns the user claims of an ID token: those of the
// claims request's id_token member, and those of the scope when the
// response carries no access token (Core §5.4, §5.5).
func (p *Provider) idTokenClaims(ctx context.Context, in *idTokenInput) (map[string]any, error) {
	var member map[string]*ClaimRequest
	if raw := in.extra[extraClaims]; raw != "" {
		if cr, err := ParseClaimsRequest(raw); err == nil {
			member = cr.IDToken
		}
	}
	names := wanted(in.scope, member)
	claims, err := p.userClaims(ctx, in.subject, names)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "the user no longer exists")
	}
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	return claims, nil
}
