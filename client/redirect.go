package client

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/internal/origin"
)

// AuthorizeRedirect starts a login: it sends the user agent (302 Found) to
// the provider's authorization endpoint, and saves in the state store what
// the callback will check. redirectURI is where the provider sends the
// user agent back, the URL of the handler that calls AuthorizeAccessToken;
// it must be registered with the provider, absolute, and https unless it
// is on a loopback host.
//
// An OAuth 2.0 request carries a fresh state, a PKCE challenge and, for
// OpenID Connect, a fresh nonce (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID
// Connect Core 1.0 §3.1.2.1). An OAuth 1.0 login first obtains temporary
// credentials (RFC 5849 §2.1). The provider's metadata is read first if
// it was not yet. On error nothing is written to w; the request's context
// bounds the calls to the provider.
func (a *App) AuthorizeRedirect(w http.ResponseWriter, r *http.Request, redirectURI string) error {
	if err := a.checkRedirectURI(redirectURI); err != nil {
		return err
	}
	var to string
	var st *State
	var err error
	if a.oauth1 != nil {
		to, st, err = a.oauth1Request(r.Context(), redirectURI)
	} else {
		to, st, err = a.oauth2Request(r.Context(), redirectURI)
	}
	if err != nil {
		return err
	}
	st.App, st.RedirectURI = a.name, redirectURI
	st.Expiry = a.reg.cfg.Now().Add(a.reg.cfg.StateLifetime)
	if err := a.reg.store.Save(w, r, st); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
	return nil
}

// checkRedirectURI applies RFC 6749 §3.1.2 and §3.1.2.1: an absolute URI
// without a fragment, over TLS except on loopback (RFC 8252 §7.3) or with
// InsecureAllowHTTP, as origin.ParseSecure has it.
func (a *App) checkRedirectURI(raw string) error {
	if _, err := origin.ParseSecure(raw, a.cfg.InsecureAllowHTTP); err != nil {
		return fmt.Errorf("%w: %q %w", ErrRedirectURI, raw, err)
	}
	return nil
}

// oauth2Request builds the authorization request (RFC 6749 §4.1.1) and
// the state the callback needs.
func (a *App) oauth2Request(ctx context.Context, redirectURI string) (string, *State, error) {
	s, err := a.oauth2Setup(ctx)
	if err != nil {
		return "", nil, err
	}
	params := []oauth2.Param{oauth2.SetParam("redirect_uri", redirectURI)}
	for name, vs := range a.cfg.AuthorizationParams {
		if len(vs) > 0 {
			params = append(params, oauth2.SetParam(name, vs[0]))
		}
	}
	st := &State{}
	if s.verifier != nil {
		if err := a.openIDParams(st, &params); err != nil {
			return "", nil, err
		}
	}
	ar, err := s.shared.AuthorizationURL(params...)
	if err != nil {
		return "", nil, err
	}
	st.State, st.Verifier = ar.State, ar.CodeVerifier
	return ar.URL, st, nil
}

// openIDParams adds a fresh nonce (OpenID Connect Core 1.0 §3.1.2.1) and
// keeps the bound that a max_age parameter puts on auth_time (§3.1.3.7
// step 13).
func (a *App) openIDParams(st *State, params *[]oauth2.Param) error {
	nonce, err := oauth2.NewCodeVerifier() // 256 random bits
	if err != nil {
		return err
	}
	st.Nonce = nonce
	*params = append(*params, oauth2.SetParam("nonce", nonce))
	if v := a.cfg.AuthorizationParams.Get("max_age"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 32)
		if err != nil || secs < 0 {
			return fmt.Errorf("%w: %s: max_age %q is not a number of seconds", ErrAppConfig, a.name, v)
		}
		st.AuthAfter = a.reg.cfg.Now().Add(-time.Duration(secs) * time.Second)
	}
	return nil
}

// oauth1Request obtains temporary credentials (RFC 5849 §2.1) and builds
// the resource owner authorization URL (§2.2).
func (a *App) oauth1Request(ctx context.Context, redirectURI string) (string, *State, error) {
	oc := *a.oauth1
	oc.Callback = redirectURI
	temp, err := oc.RequestTemporaryCredentials(ctx)
	if err != nil {
		return "", nil, err
	}
	to, err := oc.AuthorizationURL(temp, a.cfg.AuthorizationParams)
	if err != nil {
		return "", nil, err
	}
	return to, &State{TempToken: temp.Token, TempSecret: temp.Secret}, nil
}
