package oauth2

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/grantry/grantry"
)

// Token is an access token with what came with it (RFC 6749 §5.1). A Token
// returned by a [Client] is shared and must not be modified.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type,omitempty"` // "Bearer" whatever the case received
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is when the access token expires, from expires_in; zero when
	// the server did not say.
	Expiry time.Time `json:"expiry,omitzero"`
	// Scope is the space-separated scope granted. When the server sent
	// none, it is the scope the token request asked for (RFC 6749 §5.1),
	// which is unknown, and empty, for the authorization code grant.
	Scope string `json:"scope,omitempty"`
	// IDToken is the compact OpenID Connect ID token, when one was
	// issued, as received: not validated here. A login's validated ID
	// token is the registry's Login.IDToken; one returned by a refresh
	// must be validated with an oidc.Verifier before it is trusted
	// (OpenID Connect Core 1.0 §12.2).
	IDToken string `json:"id_token,omitempty"`
	// Raw holds every member of the token response.
	Raw map[string]json.RawMessage `json:"-"`
}

// Extra returns the member name of the token response decoded into a Go
// value (string, float64, bool, map or slice), or nil.
func (t *Token) Extra(name string) any {
	raw, ok := t.Raw[name]
	if !ok {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// Scopes returns the granted scope as a list.
func (t *Token) Scopes() []string {
	return strings.Fields(t.Scope)
}

// Expired reports whether the token has an expiry and it has passed at now.
func (t *Token) Expired(now time.Time) bool {
	return !t.Expiry.IsZero() && !now.Before(t.Expiry)
}

// expiresWithin reports whether the token expires within d of now.
func (t *Token) expiresWithin(now time.Time, d time.Duration) bool {
	return !t.Expiry.IsZero() && !now.Add(d).Before(t.Expiry)
}

// isBearer reports whether the token is a bearer token. A token without a
// type, as set by a caller, counts as one.
func (t *Token) isBearer() bool {
	return t.TokenType == "" || strings.EqualFold(t.TokenType, grantry.TokenTypeBearer)
}
