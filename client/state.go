package client

import (
	"net/http"
	"time"
)

// DefaultStateLifetime is how long a login may take, from the redirect to
// the provider to the callback, when RegistryConfig.StateLifetime is zero.
const DefaultStateLifetime = 10 * time.Minute

// State is what a login must remember, bound to the user agent, between
// the redirect to the provider and the callback.
type State struct {
	App         string    `json:"app"`           // name of the app
	RedirectURI string    `json:"ru"`            // the redirect URI of the request
	Expiry      time.Time `json:"exp"`           // end of the login
	State       string    `json:"st,omitempty"`  // OAuth 2.0 state (RFC 6749 §4.1.1)
	Nonce       string    `json:"n,omitempty"`   // OpenID Connect nonce
	Verifier    string    `json:"cv,omitempty"`  // PKCE code verifier (RFC 7636 §4.1)
	AuthAfter   time.Time `json:"aa,omitzero"`   // earliest auth_time, from max_age
	TempToken   string    `json:"ot,omitempty"`  // OAuth 1.0 temporary credentials (RFC 5849 §2.1)
	TempSecret  string    `json:"ots,omitempty"` // and their shared secret
}

// StateStore keeps login states. Save and Take see the request of the
// user agent and its response, so the state can live in a cookie, as with
// the default [CookieStore], or in a server-side session.
//
// Several logins of one app may be pending at once for one user agent,
// started in two tabs or by a double click, each with a state of its own;
// Take finds, from the callback request, the one that the callback
// answers. A login is named by its key: its OAuth 2.0 state, which the
// callback carries as the state parameter, or for OAuth 1.0 its temporary
// credentials identifier, which the callback carries as oauth_token, or
// as denied in a refusal.
type StateStore interface {
	// Save keeps s for the user agent of r and the app s.App, beside the
	// other logins of the app still pending. A store may bound how many
	// it keeps, and forget those that expire first.
	Save(w http.ResponseWriter, r *http.Request, s *State) error
	// Take returns the state of the login of app that the callback r
	// answers, and forgets it, so that it serves once; the app's other
	// logins stay pending. It returns an error wrapping ErrStateMissing
	// when the user agent has no login of app pending, ErrStateMismatch
	// when r answers none of those it has, and ErrStateInvalid when the
	// state cannot be read. The caller checks the expiry, the app name
	// and the callback against the state.
	Take(w http.ResponseWriter, r *http.Request, app string) (*State, error)
}

// key is what names the login in its callback: the OAuth 2.0 state, or
// the OAuth 1.0 temporary credentials identifier.
func (s *State) key() string {
	if s.State != "" {
		return s.State
	}
	return s.TempToken
}
