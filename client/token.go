package client

import (
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
)

// Token is what a login obtains and what API calls send: an OAuth 2.0
// token or OAuth 1.0 token credentials, one of the two. It encodes to
// JSON for storage; the fetch-token function gives it back.
type Token struct {
	OAuth2 *oauth2.Token       `json:"oauth2,omitempty"`
	OAuth1 *oauth1.Credentials `json:"oauth1,omitempty"`
	// Subject is the sub of the ID token validated at login, for OpenID
	// Connect apps: UserInfo responses must carry the same (OpenID Connect
	// Core 1.0 §5.3.4).
	Subject string `json:"sub,omitempty"`
}

// usable reports whether the token has what the app's protocol needs.
func (t *Token) usable(oauth1App bool) bool {
	if t == nil {
		return false
	}
	if oauth1App {
		return t.OAuth1 != nil && t.OAuth1.Token != ""
	}
	return t.OAuth2 != nil && t.OAuth2.AccessToken != ""
}
