package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
	"github.com/grantry/grantry/internal/origin"
)

// App is a remote app of a Registry: one provider and the client's
// registration there. Logins and API calls go through it; the tokens
// belong to the users and are kept by the caller. It is safe for
// concurrent use.
type App struct {
	reg  *Registry
	name string
	cfg  appConfig
	base *url.URL // APIBaseURL as a directory; nil when not set

	oauth1 *oauth1.Config // OAuth 1.0 apps
	oauth2 *OAuth2        // OAuth 2.0 apps, as registered

	mu       sync.Mutex // serializes the OAuth 2.0 setup
	setup    atomic.Pointer[oauth2Setup]
	renewals renewals
}

// appConfig is what an app has whatever its protocol.
type appConfig struct {
	APIBaseURL          string
	UserInfoEndpoint    string
	UserInfoFix         func(claims map[string]any) (map[string]any, error)
	AuthorizationParams url.Values
	TokenParams         url.Values
	FetchToken          func(ctx context.Context, r *http.Request) (*Token, error)
	UpdateToken         func(ctx context.Context, tok *Token, oldRefreshToken string) error
	HTTPClient          *http.Client
	InsecureAllowHTTP   bool
}

// oauth2Setup is the OAuth 2.0 side of an app once its metadata is known.
type oauth2Setup struct {
	cfg oauth2.Config // complete; each user's client is made from it
	// shared builds authorization URLs and checks callbacks; it never
	// holds a token.
	shared   *oauth2.Client
	verifier *oidc.Verifier // OpenID Connect apps
	userinfo string         // UserInfo endpoint, possibly relative to base
}

// newApp makes an app of the registry with what every protocol has; the
// caller adds the protocol's side.
func newApp(g *Registry, name string, cfg appConfig) (*App, error) {
	a := &App{reg: g, name: name, cfg: cfg}
	if cfg.APIBaseURL == "" {
		return a, nil
	}
	base, err := a.checkURL("API base URL", cfg.APIBaseURL)
	if err != nil {
		return nil, err
	}
	if base.Path == "" || base.Path[len(base.Path)-1] != '/' {
		base.Path += "/"
		base.RawPath = ""
	}
	a.base = base
	return a, nil
}

// Name returns the name the app was registered with.
func (a *App) Name() string { return a.name }

func (a *App) httpClient() *http.Client {
	if a.cfg.HTTPClient != nil {
		return a.cfg.HTTPClient
	}
	if a.reg.cfg.HTTPClient != nil {
		return a.reg.cfg.HTTPClient
	}
	return http.DefaultClient
}

// oauth1Config makes the OAuth 1.0 client: the endpoints with their
// parameters in the query, and the registry's defaults.
func (a *App) oauth1Config(c *OAuth1) (*oauth1.Config, error) {
	oc := c.Config
	oc.HTTPClient = a.httpClient()
	if oc.Now == nil {
		oc.Now = a.reg.cfg.Now
	}
	e := &oc.Endpoint
	var err error
	if e.TemporaryCredentialsURL, err = a.endpoint("temporary credentials URL", e.TemporaryCredentialsURL, c.TemporaryCredentialsParams); err != nil {
		return nil, err
	}
	if e.AuthorizationURL, err = a.endpoint("authorization URL", e.AuthorizationURL, nil); err != nil {
		return nil, err
	}
	if e.TokenURL, err = a.endpoint("token URL", e.TokenURL, c.TokenParams); err != nil {
		return nil, err
	}
	return &oc, nil
}

// endpoint checks an OAuth 1.0 endpoint URL and adds params to its query,
// where they are signed with the request (RFC 5849 §3.4.1.3.1).
func (a *App) endpoint(what, raw string, params url.Values) (string, error) {
	u, err := a.checkURL(what, raw)
	if err != nil || len(params) == 0 {
		return raw, err
	}
	q := u.Query()
	for name, vs := range params {
		q[name] = append(q[name], vs...)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// oauth2Setup returns the OAuth 2.0 setup, reading the provider's
// metadata the first time.
func (a *App) oauth2Setup(ctx context.Context) (*oauth2Setup, error) {
	if s := a.setup.Load(); s != nil {
		return s, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.setup.Load(); s != nil {
		return s, nil
	}
	meta, err := oidc.FetchMetadata(ctx, a.oauth2.ServerMetadataURL, a.oauth2.Issuer, a.providerConfig())
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", a.name, err)
	}
	s, err := a.build(meta)
	if err != nil {
		return nil, err
	}
	a.setup.Store(s)
	return s, nil
}

// providerConfig configures the reading of the provider's metadata and
// keys: with the app's or the registry's client when there is one, else
// with package oidc's, which times out.
func (a *App) providerConfig() oidc.ProviderConfig {
	hc := a.cfg.HTTPClient
	if hc == nil {
		hc = a.reg.cfg.HTTPClient
	}
	return oidc.ProviderConfig{HTTPClient: hc, Keys: a.oauth2.JWKS, InsecureAllowHTTP: a.cfg.InsecureAllowHTTP}
}

// build completes the OAuth 2.0 configuration with the metadata, which
// may be nil, and makes the ID token verifier of an OpenID Connect app.
func (a *App) build(meta *oidc.Metadata) (*oauth2Setup, error) {
	c := a.oauth2
	oc := c.Config
	oc.HTTPClient = a.httpClient()
	if oc.Now == nil {
		oc.Now = a.reg.cfg.Now
	}
	s := &oauth2Setup{userinfo: c.UserInfoEndpoint}
	if meta != nil {
		fillEndpoints(&oc, meta)
		if s.userinfo == "" {
			s.userinfo = meta.UserinfoEndpoint
		}
	}
	if err := a.checkUserInfo(s.userinfo); err != nil {
		return nil, err
	}
	if c.openID() {
		if err := a.buildOpenID(s, &oc, meta); err != nil {
			return nil, err
		}
	}
	if c.ComplianceFix != nil {
		c.ComplianceFix(&oc)
	}
	oc.UpdateToken = nil // set for each user's client
	shared, err := oauth2.New(oc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrAppConfig, a.name, err)
	}
	if oc.AuthorizationEndpoint == "" || oc.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: %s: no authorization endpoint or token endpoint", ErrAppConfig, a.name)
	}
	s.cfg, s.shared = shared.Config(), shared
	return s, nil
}

// fillEndpoints takes from the metadata the endpoints oc leaves empty, and
// its issuer for RFC 9207 checks.
func fillEndpoints(oc *oauth2.Config, meta *oidc.Metadata) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&oc.AuthorizationEndpoint, meta.AuthorizationEndpoint)
	fill(&oc.TokenEndpoint, meta.TokenEndpoint)
	fill(&oc.RevocationEndpoint, meta.RevocationEndpoint)
	fill(&oc.IntrospectionEndpoint, meta.IntrospectionEndpoint)
	oc.Issuer = meta.Issuer
	oc.RequireIssuer = oc.RequireIssuer || meta.AuthorizationResponseIssParameterSupported
}

// buildOpenID makes the provider and the ID token verifier. Without
// metadata, the provider is described by the app's configuration: Issuer,
// the endpoints and JWKS.
func (a *App) buildOpenID(s *oauth2Setup, oc *oauth2.Config, meta *oidc.Metadata) error {
	if meta == nil {
		if oc.Issuer == "" {
			return fmt.Errorf("%w: %s: an OpenID Connect app needs ServerMetadataURL or Issuer", ErrAppConfig, a.name)
		}
		meta = &oidc.Metadata{Issuer: oc.Issuer, AuthorizationEndpoint: oc.AuthorizationEndpoint, TokenEndpoint: oc.TokenEndpoint}
	}
	p, err := oidc.NewProvider(meta, a.providerConfig())
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrAppConfig, a.name, err)
	}
	*oc = p.OAuth2Config(*oc)
	s.verifier = p.Verifier(oidc.VerifierConfig{
		ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, TrustedAudiences: a.oauth2.TrustedAudiences, Now: oc.Now,
	})
	return nil
}

// userConfig returns the OAuth 2.0 configuration of one user's client,
// made for one request. A renewal is shown to onRenew, which may be nil,
// then reported to the update-token function with subject.
func (a *App) userConfig(s *oauth2Setup, subject string, onRenew func(*oauth2.Token)) oauth2.Config {
	oc := s.cfg
	oc.UpdateToken = func(ctx context.Context, t *oauth2.Token, oldRefreshToken string) error {
		if onRenew != nil {
			onRenew(t)
		}
		return a.updateToken(ctx, &Token{OAuth2: t, Subject: subject}, oldRefreshToken)
	}
	return oc
}

// userClient returns the client of userConfig holding tok, which may be
// nil.
func userClient(oc oauth2.Config, tok *oauth2.Token) (*oauth2.Client, error) {
	cl, err := oauth2.New(oc)
	if err != nil {
		return nil, err
	}
	if tok != nil {
		cl.SetToken(tok)
	}
	return cl, nil
}

// checkURL parses an endpoint URL as origin.ParseSecure does, allowing
// http on any host with InsecureAllowHTTP.
func (a *App) checkURL(what, raw string) (*url.URL, error) {
	u, err := origin.ParseSecure(raw, a.cfg.InsecureAllowHTTP)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s %q %w", ErrAppConfig, a.name, what, raw, err)
	}
	return u, nil
}

// checkUserInfo accepts a UserInfo endpoint that is empty, relative to
// the API base URL, or an absolute URL as checkURL wants it.
func (a *App) checkUserInfo(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err == nil && u.Scheme == "" && u.Host == "" {
		if a.base == nil {
			return fmt.Errorf("%w: %s: UserInfo endpoint %q is relative and there is no API base URL", ErrAppConfig, a.name, raw)
		}
		return nil
	}
	_, err = a.checkURL("UserInfo endpoint", raw)
	return err
}
