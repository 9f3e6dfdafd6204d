package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grantry/grantry/client/oidc"
)

// UserInfo asks the app's UserInfo endpoint who the user of tok is: the
// OpenID Connect UserInfo endpoint (OpenID Connect Core 1.0 §5.3), or a
// provider's "current user" API set as the registration's UserInfoEndpoint
// (relative to the API base URL or absolute), whose claims UserInfoFix turns
// into standard ones. The token is renewed first when it is about to
// expire. For an OpenID Connect app, the response's sub must be the
// subject of the login (tok.Subject, §5.3.4).
func (a *App) UserInfo(ctx context.Context, tok *Token) (*oidc.UserInfo, error) {
	if !tok.usable(a.oauth1 != nil) {
		return nil, fmt.Errorf("%w for app %s", ErrNoToken, a.name)
	}
	endpoint, subject := a.cfg.UserInfoEndpoint, ""
	if a.oauth1 == nil {
		s, err := a.oauth2Setup(ctx)
		if err != nil {
			return nil, err
		}
		endpoint = s.userinfo
		if s.verifier != nil {
			if tok.Subject == "" {
				return nil, fmt.Errorf("%w: the token has no subject to compare with", oidc.ErrSubject)
			}
			subject = tok.Subject
		}
	}
	if endpoint == "" {
		return nil, fmt.Errorf("%w for app %s", ErrNoUserInfo, a.name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.Do(ctx, tok, req)
	if err != nil {
		return nil, err
	}
	return oidc.ReadUserInfo(resp, subject, a.cfg.UserInfoFix)
}
