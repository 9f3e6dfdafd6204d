package openid

import (
	"slices"
	"strings"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// DiscoveryPath is where the OpenID Provider Configuration document is
// served, below the issuer's path (Discovery 1.0 §4): serve the server's
// MetadataHandler there too, so the two documents are one.
const DiscoveryPath = "/.well-known/openid-configuration"

// idClaimNames are the claims every ID token may carry.
var idClaimNames = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "sid"}

// metadata gives the members of OpenID Connect Discovery 1.0 §3 that the
// provider decides; the server gives the endpoints, response types and
// grant types it has registered.
func (p *Provider) metadata() map[string]any {
	m := map[string]any{
		"subject_types_supported":               p.subjectTypes(),
		"id_token_signing_alg_values_supported": p.algorithms(),
		"claims_supported":                      p.claimsSupported(),
		"claim_types_supported":                 []string{"normal"},
		"claims_parameter_supported":            true,
		"request_parameter_supported":           false,
		"request_uri_parameter_supported":       false,
		"prompt_values_supported":               []string{PromptNone, PromptLogin, PromptConsent, PromptSelectAccount},
		"display_values_supported":              []string{"page"},
	}
	if len(p.cfg.ACRValues) > 0 {
		m["acr_values_supported"] = slices.Clone(p.cfg.ACRValues)
	}
	if len(p.cfg.UILocales) > 0 {
		m["ui_locales_supported"] = slices.Clone(p.cfg.UILocales)
	}
	if p.cfg.UserInfoEndpoint != "" {
		m["userinfo_endpoint"] = p.cfg.UserInfoEndpoint
	}
	if p.cfg.EndSessionEndpoint != "" {
		m["end_session_endpoint"] = p.cfg.EndSessionEndpoint
	}
	if p.cfg.BackchannelLogout {
		m["backchannel_logout_supported"] = true
		m["backchannel_logout_session_supported"] = true
	}
	if p.cfg.JWKSURI != "" {
		m["jwks_uri"] = p.absolute(p.cfg.JWKSURI)
	}
	return m
}

// absolute joins a path to the issuer.
func (p *Provider) absolute(ref string) string {
	if strings.HasPrefix(ref, "/") {
		return strings.TrimSuffix(p.cfg.Issuer, "/") + ref
	}
	return ref
}

func (p *Provider) subjectTypes() []string {
	if p.cfg.PairwiseSecret != nil {
		return []string{storage.SubjectPublic, storage.SubjectPairwise}
	}
	return []string{storage.SubjectPublic}
}

// algorithms lists the algorithms of the published keys that can sign:
// those a client may ask for as id_token_signed_response_alg. RS256 is
// among them with the keys a keyset.Manager makes by default, as
// Discovery 1.0 §3 requires.
func (p *Provider) algorithms() []string {
	var out []string
	set := p.cfg.Keys()
	if set == nil {
		return out
	}
	for _, alg := range keyset.AsymmetricAlgorithms() {
		if k, ok := set.SignerFor(alg); ok && k != nil {
			out = append(out, string(alg))
		}
	}
	return out
}

func (p *Provider) claimsSupported() []string {
	out := slices.Clone(idClaimNames)
	if p.cfg.Claims == nil {
		return out
	}
	for _, scope := range []string{"profile", "email", "address", "phone"} {
		out = append(out, scopeClaims[scope]...)
	}
	return out
}
