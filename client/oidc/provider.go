package oidc

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
)

// ProviderConfig configures how a [Provider] is reached. Its zero value is
// usable.
type ProviderConfig struct {
	// HTTPClient sends discovery, JWK Set and UserInfo requests. Default
	// a client whose requests time out after 10 seconds. Whichever it is,
	// a redirect from https to plain http is not followed.
	HTTPClient *http.Client
	// Keys, when set, are the provider's keys, used instead of its
	// jwks_uri; a *keyset.JWKS given this way is never refetched.
	Keys keyset.KeySource
	// KeyCache tunes the cache of the jwks_uri. Its Client defaults to
	// HTTPClient and its InsecureAllowHTTP to this config's.
	KeyCache keyset.RemoteConfig
	// UserInfoFix, when set, rewrites the claims of every UserInfo response
	// before they are checked, for providers whose response is not
	// standard (for example one without sub, or with sub as a number).
	UserInfoFix func(claims map[string]any) (map[string]any, error)
	// InsecureAllowHTTP allows http URLs on non-loopback hosts.
	InsecureAllowHTTP bool
}

// httpClient returns the client of discovery and UserInfo requests.
func (c *ProviderConfig) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return origin.NoDowngrade(c.HTTPClient)
	}
	return origin.FetchClient()
}

// Provider is an OpenID Provider or OAuth authorization server known by its
// metadata. It is safe for concurrent use.
type Provider struct {
	meta Metadata
	keys keyset.KeySource
	cfg  ProviderConfig
}

// NewProvider returns a provider from metadata the caller already has.
// Its keys are cfg.Keys or, when that is nil, the JWK Set at the
// metadata's jwks_uri; a provider needs one of them. The issuer and
// jwks_uri must use https, except on loopback hosts or with
// InsecureAllowHTTP, and have no user information or fragment.
func NewProvider(meta *Metadata, cfg ProviderConfig) (*Provider, error) {
	if _, err := origin.ParseSecure(meta.Issuer, cfg.InsecureAllowHTTP); err != nil {
		return nil, fmt.Errorf("oidc: issuer %q %w", meta.Issuer, err)
	}
	p := &Provider{meta: *meta, keys: cfg.Keys, cfg: cfg}
	if p.keys == nil {
		if meta.JWKSURI == "" {
			return nil, fmt.Errorf("%w: no jwks_uri and no keys given", ErrMetadata)
		}
		rc := cfg.KeyCache
		if rc.Client == nil {
			rc.Client = cfg.HTTPClient
		}
		rc.InsecureAllowHTTP = rc.InsecureAllowHTTP || cfg.InsecureAllowHTTP
		remote, err := keyset.NewRemote(meta.JWKSURI, rc)
		if err != nil {
			return nil, err
		}
		p.keys = remote
	}
	return p, nil
}

// Metadata returns the provider's metadata.
func (p *Provider) Metadata() Metadata { return p.meta }

// Issuer returns the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.meta.Issuer }

// Keys returns the provider's signing keys.
func (p *Provider) Keys() keyset.KeySource { return p.keys }

// OAuth2Config completes an OAuth 2.0 client configuration with what the
// metadata says: the endpoints the configuration leaves empty, the issuer
// for RFC 9207 checks, and, when neither the configuration nor the
// provider is explicit, client_secret_post for providers that list it but
// not client_secret_basic.
func (p *Provider) OAuth2Config(cfg oauth2.Config) oauth2.Config {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&cfg.AuthorizationEndpoint, p.meta.AuthorizationEndpoint)
	fill(&cfg.TokenEndpoint, p.meta.TokenEndpoint)
	fill(&cfg.RevocationEndpoint, p.meta.RevocationEndpoint)
	fill(&cfg.IntrospectionEndpoint, p.meta.IntrospectionEndpoint)
	cfg.Issuer = p.meta.Issuer
	cfg.RequireIssuer = cfg.RequireIssuer || p.meta.AuthorizationResponseIssParameterSupported
	if cfg.AuthMethod == "" && cfg.ClientSecret != "" {
		methods := p.meta.TokenEndpointAuthMethodsSupported
		if !slices.Contains(methods, grantry.AuthClientSecretBasic) && slices.Contains(methods, grantry.AuthClientSecretPost) {
			cfg.AuthMethod = grantry.AuthClientSecretPost
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = p.cfg.HTTPClient
	}
	return cfg
}

// idTokenAlgorithms returns RS256, which every provider supports (OpenID
// Connect Discovery 1.0 §3), and the algorithms the provider lists for ID
// tokens that this package can check.
func (p *Provider) idTokenAlgorithms() []keyset.Algorithm {
	algs := []keyset.Algorithm{keyset.RS256}
	for _, a := range p.meta.IDTokenSigningAlgValuesSupported {
		alg := keyset.Algorithm(a)
		if alg.Supported() && !slices.Contains(algs, alg) {
			algs = append(algs, alg)
		}
	}
	return algs
}
