package openid

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// ScopeOpenID is the scope that makes an OAuth 2.0 request an OpenID
// Connect one (Core §3.1.2.1).
const ScopeOpenID = "openid"

// DefaultIDTokenLifetime is how long an ID token is valid by default.
const DefaultIDTokenLifetime = time.Hour

// Config configures a Provider. Issuer and Keys are required.
type Config struct {
	// Issuer is the iss of every ID token: the authorization server's
	// issuer, an https URL without query or fragment.
	Issuer string
	// Keys returns the signing keys at the time of a request, such as the
	// set a keyset.Manager loaded last. The ID tokens of a client without
	// id_token_signed_response_alg are signed by the active key.
	Keys func() *keyset.Set
	// Claims finds the claims of users, for UserInfo and for ID tokens
	// that carry claims. Nil releases no claim but sub.
	Claims ClaimSource
	// IDTokenLifetime is how long an ID token is valid; default
	// DefaultIDTokenLifetime.
	IDTokenLifetime time.Duration
	// PairwiseSecret keys the pairwise subjects of the clients registered
	// with subject_type pairwise (Core §8.1): at least 32 random bytes,
	// kept as long as the subjects must stay the same. Without it pairwise
	// is not offered, and such a client's requests are refused.
	PairwiseSecret []byte
	// ACRValues are the authentication context classes the application
	// can satisfy (acr_values_supported).
	ACRValues []string
	// UserInfoEndpoint and JWKSURI are published in the metadata: URLs, or
	// paths joined to the issuer.
	UserInfoEndpoint string
	JWKSURI          string
	// EndSessionEndpoint is where the application serves RP-Initiated
	// Logout (see ValidateLogout), published as end_session_endpoint.
	EndSessionEndpoint string
	// BackchannelLogout tells that the application notifies clients of
	// sign-outs with a Notifier (Back-Channel Logout 1.0).
	BackchannelLogout bool
	// UILocales are the BCP 47 language tags the application's pages
	// are shown in, as chosen by the ui_locales parameter (Core
	// §3.1.2.1), published as ui_locales_supported (Discovery 1.0 §3).
	UILocales []string
	// Now returns the current time at the UserInfo endpoint; default
	// time.Now. The other endpoints use the time of their request.
	Now func() time.Time
}

// Provider is the OpenID Connect extension of an authorization server. It
// is safe for concurrent use.
type Provider struct {
	cfg Config
}

// New returns a provider. It fails when Issuer or Keys is missing, or
// PairwiseSecret is too short.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("openid: Config.Issuer is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("openid: Config.Keys is required")
	}
	if cfg.PairwiseSecret != nil && len(cfg.PairwiseSecret) < 32 {
		return nil, fmt.Errorf("openid: PairwiseSecret of %d bytes, want at least 32", len(cfg.PairwiseSecret))
	}
	if cfg.IDTokenLifetime <= 0 {
		cfg.IDTokenLifetime = DefaultIDTokenLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.ACRValues = append([]string(nil), cfg.ACRValues...)
	return &Provider{cfg: cfg}, nil
}

// Hooks implements authserver.Extension.
func (p *Provider) Hooks() authserver.Hooks {
	return authserver.Hooks{
		ValidateAuthorization: p.validateAuthorization,
		AuthorizationResponse: p.authorizationResponse,
		ValidateToken:         p.validateToken,
		TokenResponse:         p.tokenResponse,
		Metadata:              p.metadata,
	}
}

// Keys of the values kept with a code and the tokens issued from it; the
// session keys are the server's (authserver.ExtraSessionID...).
const (
	extraNonce    = "nonce"
	extraAuthTime = authserver.ExtraAuthTime
	extraClaims   = "claims"
)

// kept lists the values an ID token issued later needs: with the code at
// the authorization endpoint, then with each token of the family.
var kept = []string{authserver.ExtraSessionID, authserver.ExtraACR, authserver.ExtraAMR, extraAuthTime, extraClaims}

// validateToken keeps with the tokens of an OpenID Connect grant what
// their ID tokens need: from the code (with its nonce and auth_time) or
// from the token being refreshed.
func (p *Provider) validateToken(_ context.Context, _ *authserver.TokenRequest, iss *authserver.Issue) error {
	var from map[string]string
	keys := kept
	switch {
	case iss.Code != nil && iss.Code.Scope.Has(ScopeOpenID):
		from = maps.Clone(iss.Code.Extra)
		if from == nil {
			from = make(map[string]string, 2)
		}
		from[extraNonce] = iss.Code.Nonce
		if !iss.Code.AuthTime.IsZero() {
			from[extraAuthTime] = strconv.FormatInt(iss.Code.AuthTime.Unix(), 10)
		}
		keys = append(keys[:len(keys):len(keys)], extraNonce)
	case iss.Token != nil && iss.Token.Extra != nil:
		from = iss.Token.Extra
	default:
		return nil
	}
	for _, k := range keys {
		if v := from[k]; v != "" {
			if iss.Extra == nil {
				iss.Extra = make(map[string]string, len(kept))
			}
			iss.Extra[k] = v
		}
	}
	return nil
}

// tokenResponse adds an ID token to the response of a code exchange, a
// device code exchange (RFC 8628, where the user signed in as for a code)
// or a refresh whose scope holds openid (Core §3.1.3.3, §12.2). Only a
// code exchange has a nonce: neither a refresh nor a device
// authorization request carries one.
func (p *Provider) tokenResponse(ctx context.Context, req *authserver.TokenRequest, tok *storage.Token, resp *grantry.TokenResponse) error {
	if tok.Subject == "" || !tok.Scope.Has(ScopeOpenID) {
		return nil
	}
	switch tok.GrantType {
	case grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantDeviceCode:
	default:
		return nil
	}
	in := idTokenInput{
		client: req.Client, subject: tok.Subject, issuedAt: req.Time,
		extra: tok.Extra, accessToken: resp.AccessToken,
	}
	if tok.GrantType == grantry.GrantAuthorizationCode {
		in.nonce = tok.Extra[extraNonce]
	}
	id, err := p.idToken(ctx, &in)
	if err != nil {
		return err
	}
	resp.Set("id_token", id)
	return nil
}
