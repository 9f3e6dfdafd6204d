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
type StateStore interface {
	// Save keeps s for the user agent of r and the app s.App. A new state
	// replaces an older one of the same app.
	Save(w http.ResponseWriter, r *http.Request, s *State) error
	// Take returns the state saved for the user agent of r and app, and
	// forgets it, so that it serves once. It returns an error wrapping
	// ErrStateMissing when there is none and ErrStateInvalid when it
	// cannot be read. The caller checks the expiry and the app name.
	Take(w http.ResponseWriter, r *http.Request, app string) (*State, error)
}
