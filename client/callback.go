package client

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
)

// Login is the outcome of a login.
type Login struct {
	// Token is the user's token; keep it where the fetch-token function
	// will find it.
	Token *Token
	// IDToken is the validated ID token of an OpenID Connect login.
	IDToken *oidc.IDToken
}

// AuthorizeAccessToken completes a login at the redirect URI. It takes the
// state that AuthorizeRedirect saved for the login the callback answers,
// found by the callback's state (OAuth 2.0) or oauth_token (OAuth 1.0)
// among the logins of the app pending for the user agent; the state
// serves once (the default store clears its cookie through w), and the
// other logins stay pending. It checks the callback against it: no login
// pending, a callback that answers none of those pending or differs from
// the state, or a state unreadable or expired, is an error wrapping
// ErrStateMissing, ErrStateMismatch, ErrStateInvalid or ErrStateExpired.
// A refusal the provider sent back is a *ProviderError.
//
// It then redeems the authorization code with the PKCE verifier (RFC 6749
// §4.1.3), or the OAuth 1.0 verifier for token credentials (RFC 5849
// §2.3), and, for OpenID Connect, validates the ID token with the nonce
// (OpenID Connect Core 1.0 §3.1.3.7). The provider's answer is read from
// the query of r, where the code flow puts it (response_mode=query). The
// request's context bounds the calls to the provider.
func (a *App) AuthorizeAccessToken(w http.ResponseWriter, r *http.Request) (*Login, error) {
	st, err := a.takeState(w, r)
	if err != nil {
		return nil, err
	}
	if a.oauth1 != nil {
		return a.oauth1Callback(r.Context(), r.URL.RawQuery, st)
	}
	return a.oauth2Callback(r.Context(), r.URL.Query(), st)
}

// takeState takes the login state of the user agent and checks that it is
// this app's and still valid.
func (a *App) takeState(w http.ResponseWriter, r *http.Request) (*State, error) {
	st, err := a.reg.store.Take(w, r, a.name)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return nil, ErrStateMissing
	case st.App != a.name:
		return nil, fmt.Errorf("%w: saved for app %q", ErrStateInvalid, st.App)
	case st.expired(a.reg.cfg.Now()):
		return nil, ErrStateExpired
	}
	return st, nil
}

// oauth2Callback checks the authorization response (RFC 6749 §4.1.2),
// redeems the code and, for OpenID Connect, validates the ID token.
func (a *App) oauth2Callback(ctx context.Context, query url.Values, st *State) (*Login, error) {
	s, err := a.oauth2Setup(ctx)
	if err != nil {
		return nil, err
	}
	code, err := s.shared.ParseCallback(query, &oauth2.AuthRequest{State: st.State})
	if err != nil {
		return nil, callbackError(err)
	}
	oc := a.userConfig(s, "", nil)
	oc.RedirectURL = st.RedirectURI
	cl, err := userClient(oc, nil)
	if err != nil {
		return nil, err
	}
	var params []oauth2.Param
	for name, vs := range a.cfg.TokenParams {
		if len(vs) > 0 {
			params = append(params, oauth2.SetParam(name, vs[0]))
		}
	}
	tok, err := cl.Exchange(ctx, code, st.Verifier, params...)
	if err != nil {
		return nil, err
	}
	login := &Login{Token: &Token{OAuth2: tok}}
	if s.verifier == nil {
		return login, nil
	}
	if tok.IDToken == "" {
		return nil, oidc.ErrNoIDToken
	}
	idt, err := s.verifier.Verify(ctx, tok.IDToken, oidc.Expect{Nonce: st.Nonce, AccessToken: tok.AccessToken, AuthAfter: st.AuthAfter})
	if err != nil {
		return nil, err
	}
	login.IDToken, login.Token.Subject = idt, idt.Subject
	return login, nil
}

// callbackError sorts the errors of oauth2.Client.ParseCallback.
func callbackError(err error) error {
	var oe *oauth2.Error
	switch {
	case errors.Is(err, oauth2.ErrState):
		return fmt.Errorf("%w: %w", ErrStateMismatch, err)
	case errors.As(err, &oe):
		return &ProviderError{Code: oe.Code, Description: oe.Description, URI: oe.URI, Err: err}
	}
	return err
}

// oauth1Callback checks the callback (RFC 5849 §2.2) and obtains token
// credentials (§2.3).
func (a *App) oauth1Callback(ctx context.Context, rawQuery string, st *State) (*Login, error) {
	temp := oauth1.Credentials{Token: st.TempToken, Secret: st.TempSecret}
	verifier, err := oauth1.ParseCallback(rawQuery, temp)
	switch {
	case errors.Is(err, oauth1.ErrAuthorizationDenied):
		return nil, oauth1Denied(rawQuery, temp.Token, err)
	case errors.Is(err, oauth1.ErrTokenMismatch):
		return nil, fmt.Errorf("%w: %w", ErrStateMismatch, err)
	case err != nil:
		return nil, err
	}
	tok, err := a.oauth1.RequestTokenCredentials(ctx, temp, verifier)
	if err != nil {
		return nil, err
	}
	return &Login{Token: &Token{OAuth1: &tok}}, nil
}

// oauth1Denied reports a refusal. One that names temporary credentials
// other than the user agent's (Twitter's denied=TOKEN, or oauth_token) is
// not an answer to its request.
func oauth1Denied(rawQuery, token string, err error) error {
	q, _ := url.ParseQuery(rawQuery)
	for _, name := range []string{"denied", "oauth_token"} {
		if v, ok := q[name]; ok && v[0] != "" && subtle.ConstantTimeCompare([]byte(v[0]), []byte(token)) != 1 {
			return fmt.Errorf("%w: the refusal names other temporary credentials", ErrStateMismatch)
		}
	}
	pe := &ProviderError{Code: grantry.ErrorCode(q.Get("error")), Description: q.Get("error_description"), URI: q.Get("error_uri"), Err: err}
	if pe.Code == "" {
		pe.Code = grantry.ErrAccessDenied
	}
	return pe
}
