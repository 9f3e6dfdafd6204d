package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

// Config is the registration of a remote app, as given to
// Registry.Register: an [OAuth2] for an OAuth 2.0 or OpenID Connect app,
// an [OAuth1] for an OAuth 1.0 app. No other type implements it.
type Config interface {
	newApp(g *Registry, name string) (*App, error)
}

// OAuth2 is the registration of an OAuth 2.0 app (RFC 6749), and of an
// OpenID Connect relying party when Scopes holds "openid": its logins then
// end with a validated ID token.
type OAuth2 struct {
	// Config is the client's registration at the provider, as package
	// client/oauth2 takes it: ClientID and ClientSecret, the endpoints,
	// Scopes, AuthMethod (and SigningKey for private_key_jwt), PKCEMethod,
	// TokenPlacement, RefreshLeeway, Hooks. Endpoints left empty come from
	// the provider's metadata. Issuer, when set, must be the issuer the
	// metadata names; for an OpenID Connect app without metadata it is
	// the ID tokens' issuer. HTTPClient and Now default to the registry's.
	//
	// RedirectURL and UpdateToken stay empty: the redirect URI is given
	// to AuthorizeRedirect, and renewed tokens go to the UpdateToken
	// below or the registry's.
	//
	// InsecureAllowHTTP also allows plain http for the API base URL, the
	// UserInfo endpoint and redirect URIs on hosts other than loopback.
	// The default CookieStore still marks its cookie Secure, which a user
	// agent does not send back over plain http: such a redirect URI needs
	// a StateStore of its own.
	oauth2.Config

	// AuthorizationParams are added to authorization requests, such as
	// prompt, max_age or access_type; TokenParams are sent with the code
	// exchange. The first value of each is sent. None of them may replace
	// a parameter of the protocol: state, redirect_uri, PKCE, nonce, scope
	// (use Scopes), grant_type, code or the client's credentials.
	AuthorizationParams url.Values
	TokenParams         url.Values

	// ServerMetadataURL is where the provider publishes its metadata:
	// OpenID Connect discovery (…/.well-known/openid-configuration) or
	// RFC 8414. It is read when the app is first used, and fills in the
	// endpoints left empty in Config.
	ServerMetadataURL string
	// JWKS are the provider's ID token signing keys, used instead of its
	// jwks_uri.
	JWKS keyset.KeySource
	// TrustedAudiences are the audiences besides ClientID that an ID
	// token may name in aud, such as an API of the same party. A token
	// naming any other is refused (OpenID Connect Core 1.0 §3.1.3.7).
	TrustedAudiences []string

	// APIBaseURL is the base of the relative paths given to Get, Post,
	// Put and Delete.
	APIBaseURL string
	// UserInfoEndpoint is where App.UserInfo asks who the user is: the
	// OpenID Connect UserInfo endpoint (from the metadata by default) or a
	// provider's "current user" API. UserInfoFix rewrites its claims, for
	// a response that is not a standard UserInfo document (one without
	// sub, say).
	UserInfoEndpoint string
	UserInfoFix      func(claims map[string]any) (map[string]any, error)

	// ComplianceFix adapts the client to a provider that departs from the
	// RFCs. It is given the complete configuration, endpoints from the
	// metadata included, before the client is made from it.
	ComplianceFix func(*oauth2.Config)

	// FetchToken and UpdateToken override the registry's functions for
	// this app.
	FetchToken  func(ctx context.Context, r *http.Request) (*Token, error)
	UpdateToken func(ctx context.Context, tok *Token, oldRefreshToken string) error
}

// OAuth1 is the registration of an OAuth 1.0 app (RFC 5849).
type OAuth1 struct {
	// Config is the client's registration at the provider, as package
	// client/oauth1 takes it: ConsumerKey and ConsumerSecret, the
	// Endpoint, SignatureMethod (HMAC-SHA1 by default, or RSA-SHA1 with
	// Signer), Placement. HTTPClient and Now default to the registry's.
	// Callback stays empty: the redirect URI is given to
	// AuthorizeRedirect.
	oauth1.Config

	// TemporaryCredentialsParams and TokenParams are added to the query
	// of their endpoints, and signed with the requests (RFC 5849
	// §3.4.1.3.1); AuthorizationParams are added to the authorization
	// URL. None of them may be an oauth_ parameter.
	TemporaryCredentialsParams url.Values
	AuthorizationParams        url.Values
	TokenParams                url.Values

	// APIBaseURL, UserInfoEndpoint and UserInfoFix are as in OAuth2;
	// UserInfoEndpoint is then the provider's "current user" API.
	APIBaseURL       string
	UserInfoEndpoint string
	UserInfoFix      func(claims map[string]any) (map[string]any, error)

	// FetchToken overrides the registry's function for this app.
	FetchToken func(ctx context.Context, r *http.Request) (*Token, error)

	// InsecureAllowHTTP allows plain http endpoints, API base URL and
	// redirect URIs on hosts other than loopback, as in OAuth2.
	InsecureAllowHTTP bool
}

// Parameters the OAuth 2.0 client sets itself, which the extra parameters
// of the registration may not replace.
var (
	authorizationReserved = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
		"code_challenge", "code_challenge_method"}
	tokenReserved = []string{"grant_type", "code", "code_verifier", "redirect_uri", "client_id", "client_secret",
		"client_assertion", "client_assertion_type"}
)

func (c OAuth2) newApp(g *Registry, name string) (*App, error) {
	switch {
	case c.ClientID == "":
		return nil, fmt.Errorf("%w: %s: no client ID", ErrAppConfig, name)
	case c.RedirectURL != "" || c.Config.UpdateToken != nil:
		return nil, fmt.Errorf("%w: %s: RedirectURL and Config.UpdateToken are the registry's to set", ErrAppConfig, name)
	}
	c.Scopes = slices.Clone(c.Scopes)
	c.AuthorizationParams, c.TokenParams = cloneValues(c.AuthorizationParams), cloneValues(c.TokenParams)
	reserved := func(list []string) func(string) bool {
		return func(p string) bool { return slices.Contains(list, p) }
	}
	if err := checkParams(name, extraParams{"AuthorizationParams", c.AuthorizationParams, reserved(authorizationReserved)},
		extraParams{"TokenParams", c.TokenParams, reserved(tokenReserved)}); err != nil {
		return nil, err
	}
	a, err := newApp(g, name, appConfig{
		APIBaseURL: c.APIBaseURL, UserInfoEndpoint: c.UserInfoEndpoint, UserInfoFix: c.UserInfoFix,
		AuthorizationParams: c.AuthorizationParams, TokenParams: c.TokenParams,
		FetchToken: c.FetchToken, UpdateToken: c.UpdateToken,
		HTTPClient: c.HTTPClient, InsecureAllowHTTP: c.InsecureAllowHTTP,
	})
	if err != nil {
		return nil, err
	}
	a.oauth2 = &c
	if c.ServerMetadataURL == "" {
		s, err := a.build(nil)
		if err != nil {
			return nil, err
		}
		a.setup.Store(s)
	}
	return a, nil
}

// openID reports whether the registration is an OpenID Connect app's.
func (c *OAuth2) openID() bool { return slices.Contains(c.Scopes, "openid") }

func (c OAuth1) newApp(g *Registry, name string) (*App, error) {
	switch {
	case c.ConsumerKey == "":
		return nil, fmt.Errorf("%w: %s: no consumer key", ErrAppConfig, name)
	case c.Callback != "":
		return nil, fmt.Errorf("%w: %s: Callback is the registry's to set", ErrAppConfig, name)
	}
	c.TemporaryCredentialsParams = cloneValues(c.TemporaryCredentialsParams)
	c.AuthorizationParams, c.TokenParams = cloneValues(c.AuthorizationParams), cloneValues(c.TokenParams)
	// RFC 5849 §3.1: the protocol parameters are the oauth_ ones.
	reserved := func(p string) bool { return strings.HasPrefix(p, "oauth_") }
	if err := checkParams(name, extraParams{"TemporaryCredentialsParams", c.TemporaryCredentialsParams, reserved},
		extraParams{"AuthorizationParams", c.AuthorizationParams, reserved},
		extraParams{"TokenParams", c.TokenParams, reserved}); err != nil {
		return nil, err
	}
	a, err := newApp(g, name, appConfig{
		APIBaseURL: c.APIBaseURL, UserInfoEndpoint: c.UserInfoEndpoint, UserInfoFix: c.UserInfoFix,
		AuthorizationParams: c.AuthorizationParams, TokenParams: c.TokenParams,
		FetchToken: c.FetchToken, HTTPClient: c.HTTPClient, InsecureAllowHTTP: c.InsecureAllowHTTP,
	})
	if err != nil {
		return nil, err
	}
	if err := a.checkUserInfo(c.UserInfoEndpoint); err != nil {
		return nil, err
	}
	if a.oauth1, err = a.oauth1Config(&c); err != nil {
		return nil, err
	}
	return a, nil
}

// extraParams are extra parameters of a registration, and which of them
// would replace the protocol's.
type extraParams struct {
	what     string
	params   url.Values
	reserved func(name string) bool
}

// checkParams refuses extra parameters that would replace the protocol's.
func checkParams(name string, all ...extraParams) error {
	for _, e := range all {
		for p := range e.params {
			if e.reserved(p) {
				return fmt.Errorf("%w: %s: %s may not set %q", ErrAppConfig, name, e.what, p)
			}
		}
	}
	return nil
}

// cloneValues copies v, so that the caller may change it after Register.
func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}
