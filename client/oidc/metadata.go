package oidc

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/grantry/grantry"
)

// Metadata is an OpenID Provider's configuration (OpenID Connect Discovery
// 1.0 §3) or an authorization server's metadata (RFC 8414 §2).
type Metadata struct {
	Issuer                                     string                 `json:"issuer"`
	AuthorizationEndpoint                      string                 `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                              string                 `json:"token_endpoint,omitempty"`
	UserinfoEndpoint                           string                 `json:"userinfo_endpoint,omitempty"`
	JWKSURI                                    string                 `json:"jwks_uri,omitempty"`
	RegistrationEndpoint                       string                 `json:"registration_endpoint,omitempty"`
	RevocationEndpoint                         string                 `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint                      string                 `json:"introspection_endpoint,omitempty"`
	EndSessionEndpoint                         string                 `json:"end_session_endpoint,omitempty"`
	ScopesSupported                            []string               `json:"scopes_supported,omitempty"`
	ResponseTypesSupported                     []grantry.ResponseType `json:"response_types_supported,omitempty"`
	ResponseModesSupported                     []string               `json:"response_modes_supported,omitempty"`
	GrantTypesSupported                        []grantry.GrantType    `json:"grant_types_supported,omitempty"`
	SubjectTypesSupported                      []string               `json:"subject_types_supported,omitempty"`
	IDTokenSigningAlgValuesSupported           []string               `json:"id_token_signing_alg_values_supported,omitempty"`
	UserinfoSigningAlgValuesSupported          []string               `json:"userinfo_signing_alg_values_supported,omitempty"`
	TokenEndpointAuthMethodsSupported          []grantry.AuthMethod   `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigningAlgValuesSupported []string               `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	ClaimsSupported                            []string               `json:"claims_supported,omitempty"`
	CodeChallengeMethodsSupported              []string               `json:"code_challenge_methods_supported,omitempty"`
	AuthorizationResponseIssParameterSupported bool                   `json:"authorization_response_iss_parameter_supported,omitempty"`

	// Raw holds every member of the document.
	Raw map[string]json.RawMessage `json:"-"`
}

// ParseMetadata parses a provider metadata document: a JSON object whose
// members have the types the specifications give them, with an issuer that
// is an absolute URL without query or fragment (RFC 8414 §2). Member names
// match exactly (RFC 8259 §8.3): "Issuer" is an unknown member, not the
// issuer. A document that names a member twice is rejected.
func ParseMetadata(data []byte) (*Metadata, error) {
	raw, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	var m Metadata
	if err := decodeFields(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMetadata, err)
	}
	m.Raw = raw
	if m.Issuer == "" {
		return nil, fmt.Errorf("%w: issuer is missing", ErrMetadata)
	}
	u, err := url.Parse(m.Issuer)
	if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return nil, fmt.Errorf("%w: issuer %q is not a URL without query and fragment", ErrMetadata, m.Issuer)
	}
	return &m, nil
}
