package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/internal/origin"
)

// UserInfo is a UserInfo response (OpenID Connect Core 1.0 §5.3.2) with the
// standard claims most clients read (§5.1).
type UserInfo struct {
	Subject           string
	Name              string
	GivenName         string
	FamilyName        string
	PreferredUsername string
	Email             string
	EmailVerified     bool
	Picture           string

	claims []byte
}

// Claims decodes every claim of the response into v.
func (u *UserInfo) Claims(v any) error {
	return json.Unmarshal(u.claims, v)
}

// UserInfo calls the UserInfo endpoint with accessToken as a bearer token
// in the Authorization header (§5.3.1) and returns the claims. The response
// must be JSON with a sub claim; when subject is not empty, sub must equal
// it, as it must equal the ID token's sub (§5.3.4). Signed or encrypted
// responses are not supported. An error response becomes an
// [*oauth2.Error] with the error code of the WWW-Authenticate challenge
// (RFC 6750 §3).
func (p *Provider) UserInfo(ctx context.Context, accessToken, subject string) (*UserInfo, error) {
	if p.meta.UserinfoEndpoint == "" {
		return nil, fmt.Errorf("%w: the provider has no userinfo_endpoint", ErrUserInfo)
	}
	if _, err := origin.ParseSecure(p.meta.UserinfoEndpoint, p.cfg.InsecureAllowHTTP); err != nil {
		return nil, fmt.Errorf("oidc: userinfo_endpoint %q %w", p.meta.UserinfoEndpoint, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.meta.UserinfoEndpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := p.cfg.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidc: UserInfo request: %w", err)
	}
	return ReadUserInfo(resp, subject, p.cfg.UserInfoFix)
}

// ReadUserInfo reads the response of a UserInfo request, or of an OAuth
// 2.0 provider's "current user" API standing in for one, and closes its
// body. It checks the response as [Provider.UserInfo] does: status 200,
// JSON (not a signed or encrypted JWT), a sub claim after fix (which may
// be nil) has rewritten the claims, and sub equal to subject unless
// subject is empty. An error response becomes an [*oauth2.Error].
func ReadUserInfo(resp *http.Response, subject string, fix func(claims map[string]any) (map[string]any, error)) (*UserInfo, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("oidc: UserInfo request: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, userInfoError(resp, body)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/jwt" {
		return nil, fmt.Errorf("%w: signed or encrypted responses are not supported", ErrUserInfo)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("%w: response too large", ErrUserInfo)
	}
	return parseUserInfo(body, subject, fix)
}

// userInfoError turns an error response into an *oauth2.Error.
func userInfoError(resp *http.Response, body []byte) error {
	e := &oauth2.Error{StatusCode: resp.StatusCode, Header: resp.Header}
	params := parseChallenge(resp.Header.Get("WWW-Authenticate"))
	e.Code, e.Description, e.URI = grantry.ErrorCode(params["error"]), params["error_description"], params["error_uri"]
	if e.Code == "" {
		e.Body = body[:min(len(body), 512)]
	}
	return e
}

// parseUserInfo decodes, fixes and checks a UserInfo document.
func parseUserInfo(body []byte, subject string, fix func(map[string]any) (map[string]any, error)) (*UserInfo, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrUserInfo)
	}
	if fix != nil {
		var err error
		if claims, err = fix(claims); err != nil {
			return nil, fmt.Errorf("oidc: UserInfo fix: %w", err)
		}
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, fmt.Errorf("%w: sub is missing or not a string", ErrUserInfo)
	}
	if subject != "" && sub != subject {
		return nil, fmt.Errorf("%w: %q, want %q", ErrSubject, sub, subject)
	}
	raw, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUserInfo, err)
	}
	str := func(name string) string { s, _ := claims[name].(string); return s }
	verified, _ := claims["email_verified"].(bool)
	return &UserInfo{
		Subject: sub, Name: str("name"), GivenName: str("given_name"), FamilyName: str("family_name"),
		PreferredUsername: str("preferred_username"), Email: str("email"), EmailVerified: verified,
		Picture: str("picture"), claims: raw,
	}, nil
}
