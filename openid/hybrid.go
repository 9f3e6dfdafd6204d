package openid

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// authorizationResponse adds the ID token to the response of a response
// type that asks for one, with c_hash and at_hash of the code and access
// token beside it (Core §3.2.2.10, §3.3.2.11).
func (p *Provider) authorizationResponse(ctx context.Context, req *authserver.AuthorizationRequest, c *authserver.Consent, params url.Values) error {
	if !OpenID(req) || !hasWord(string(req.ResponseType), string(grantry.ResponseIDToken)) {
		return nil
	}
	in := idTokenInput{
		client: req.Client, subject: c.Subject, issuedAt: req.Time, nonce: req.Nonce,
		extra: map[string]string{
			extraAuthTime:             strconv.FormatInt(c.AuthTime.Unix(), 10),
			authserver.ExtraSessionID: c.SessionID,
			authserver.ExtraACR:       c.ACR,
			authserver.ExtraAMR:       strings.Join(c.AMR, " "),
			extraClaims:               req.Extra[extraClaims],
		},
		accessToken: params.Get("access_token"),
		code:        params.Get("code"),
	}
	if in.accessToken == "" {
		in.scope = c.Scope
	}
	id, err := p.idToken(ctx, &in)
	if err != nil {
		return err
	}
	params.Set("id_token", id)
	return nil
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// ResponseTypes returns the grants of the response types of the OpenID
// Connect implicit flow ("id_token", "id_token token") and hybrid flow
// ("code id_token", "code token", "code id_token token"). code is the
// grant of response_type=code: it issues and stores the codes of the
// hybrid flow. Register each with Server.RegisterResponseType, and the
// Provider as an extension, which adds the ID tokens.
func ResponseTypes(code authserver.AuthorizationGrant) []authserver.AuthorizationGrant {
	return []authserver.AuthorizationGrant{
		&responseType{rt: grantry.ResponseIDToken},
		&responseType{rt: grantry.ResponseIDTokenToken, token: true},
		&responseType{rt: grantry.ResponseCodeIDToken, code: code},
		&responseType{rt: grantry.ResponseCodeToken, code: code, token: true},
		&responseType{rt: grantry.ResponseCodeIDTokenToken, code: code, token: true},
	}
}

// responseType is one implicit or hybrid response type: a code from the
// code grant, an access token, or neither; the ID token is the
// Provider's.
type responseType struct {
	rt    grantry.ResponseType
	code  authserver.AuthorizationGrant
	token bool
}

func (g *responseType) ResponseType() grantry.ResponseType { return g.rt }

// ValidateAuthorization applies the code grant's checks to a response
// that carries a code. The Provider requires scope openid and a nonce.
func (g *responseType) ValidateAuthorization(ctx context.Context, req *authserver.AuthorizationRequest) error {
	if g.code != nil {
		return g.code.ValidateAuthorization(ctx, req)
	}
	return nil
}

// Authorize issues the code and says what access token to issue.
func (g *responseType) Authorize(ctx context.Context, req *authserver.AuthorizationRequest, c *authserver.Consent) (*authserver.Authorization, error) {
	a := &authserver.Authorization{Params: url.Values{}}
	if g.code != nil {
		ca, err := g.code.Authorize(ctx, req, c)
		if err != nil {
			return nil, err
		}
		a.Params = ca.Params
	}
	if g.token {
		a.Token = &authserver.Issue{GrantType: grantry.GrantImplicit, Subject: c.Subject, Scope: c.Scope}
	}
	return a, nil
}

// ServerMetadata lists the implicit grant for the response types without
// a code (RFC 8414 §2).
func (g *responseType) ServerMetadata() map[string]any {
	if g.code != nil {
		return nil
	}
	return map[string]any{"grant_types_supported": []string{string(grantry.GrantImplicit)}}
}
