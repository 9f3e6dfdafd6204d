package registration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/grantry/grantry"
)

// Metadata is the client metadata of RFC 7591 §2, with the members of
// OpenID Connect Dynamic Client Registration 1.0 §2, RP-Initiated Logout
// 1.0 §3.1, Back-Channel Logout 1.0 §2.2, RFC 9101 §10.5 and RFC 9126 §6
// that a storage.Client keeps. A member absent or null is the zero value.
type Metadata struct {
	RedirectURIs            []string        `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string        `json:"grant_types,omitempty"`
	ResponseTypes           []string        `json:"response_types,omitempty"`
	ClientName              string          `json:"client_name,omitempty"`
	ClientURI               string          `json:"client_uri,omitempty"`
	LogoURI                 string          `json:"logo_uri,omitempty"`
	Scope                   string          `json:"scope,omitempty"`
	Contacts                []string        `json:"contacts,omitempty"`
	TOSURI                  string          `json:"tos_uri,omitempty"`
	PolicyURI               string          `json:"policy_uri,omitempty"`
	JWKSURI                 string          `json:"jwks_uri,omitempty"`
	JWKS                    json.RawMessage `json:"jwks,omitempty"`
	SoftwareID              string          `json:"software_id,omitempty"`
	SoftwareVersion         string          `json:"software_version,omitempty"`
	// SoftwareStatement is the signed JWT of RFC 7591 §2.3; it is
	// checked and its claims replace the members they name, but it is
	// not kept.
	SoftwareStatement string `json:"software_statement,omitempty"`

	IDTokenSignedResponseAlg         string   `json:"id_token_signed_response_alg,omitempty"`
	SubjectType                      string   `json:"subject_type,omitempty"`
	SectorIdentifierURI              string   `json:"sector_identifier_uri,omitempty"`
	PostLogoutRedirectURIs           []string `json:"post_logout_redirect_uris,omitempty"`
	BackchannelLogoutURI             string   `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired bool     `json:"backchannel_logout_session_required,omitempty"`

	TokenEndpointAuthSigningAlg        string `json:"token_endpoint_auth_signing_alg,omitempty"`
	RequestObjectSigningAlg            string `json:"request_object_signing_alg,omitempty"`
	RequireSignedRequestObject         bool   `json:"require_signed_request_object,omitempty"`
	RequirePushedAuthorizationRequests bool   `json:"require_pushed_authorization_requests,omitempty"`
}

// Members that only the server sets (RFC 7591 §3.2.1, RFC 7592 §3): a
// client may not send them in an update (RFC 7592 §2.2).
const (
	memberClientID          = "client_id"
	memberClientSecret      = "client_secret"
	memberRegistrationToken = "registration_access_token"
	memberRegistrationURI   = "registration_client_uri"
	memberIDIssuedAt        = "client_id_issued_at"
	memberSecretExpiresAt   = "client_secret_expires_at"
	memberSoftwareStatement = "software_statement"
)

// members is a JSON object of client metadata, by exact member name
// (RFC 8259 §8.3: "Scope" is not "scope").
type members map[string]json.RawMessage

// decodeMembers reads a JSON object. Anything else is
// invalid_client_metadata.
func decodeMembers(data []byte) (members, error) {
	var m members
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, invalidMetadata("the body is not a JSON object")
	}
	return m, nil
}

// ParseMetadata reads a JSON object of client metadata. Members are
// matched by their exact name; unknown members are ignored (RFC 7591 §2);
// a member of the wrong JSON type, such as a scope that is not a string or
// a jwks that is not an object, is invalid_client_metadata. Nothing is
// checked beyond the JSON types: New's endpoint checks the values.
func ParseMetadata(data []byte) (*Metadata, error) {
	m, err := decodeMembers(data)
	if err != nil {
		return nil, err
	}
	return m.metadata()
}

// metadata decodes the known members.
func (m members) metadata() (*Metadata, error) {
	md := &Metadata{}
	for name, dst := range md.fields() {
		raw, ok := m[name]
		if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		if err := decodeField(raw, dst); err != nil {
			return nil, invalidMetadata(fmt.Sprintf("%s: %s", name, err))
		}
	}
	return md, nil
}

// fields maps each member name to the field it fills.
func (md *Metadata) fields() map[string]any {
	return map[string]any{
		"redirect_uris": &md.RedirectURIs, "token_endpoint_auth_method": &md.TokenEndpointAuthMethod,
		"grant_types": &md.GrantTypes, "response_types": &md.ResponseTypes,
		"client_name": &md.ClientName, "client_uri": &md.ClientURI, "logo_uri": &md.LogoURI,
		"scope": &md.Scope, "contacts": &md.Contacts, "tos_uri": &md.TOSURI, "policy_uri": &md.PolicyURI,
		"jwks_uri": &md.JWKSURI, "jwks": &md.JWKS, "software_id": &md.SoftwareID,
		"software_version": &md.SoftwareVersion, memberSoftwareStatement: &md.SoftwareStatement,
		"id_token_signed_response_alg": &md.IDTokenSignedResponseAlg, "subject_type": &md.SubjectType,
		"sector_identifier_uri": &md.SectorIdentifierURI, "post_logout_redirect_uris": &md.PostLogoutRedirectURIs,
		"backchannel_logout_uri":                &md.BackchannelLogoutURI,
		"backchannel_logout_session_required":   &md.BackchannelLogoutSessionRequired,
		"token_endpoint_auth_signing_alg":       &md.TokenEndpointAuthSigningAlg,
		"request_object_signing_alg":            &md.RequestObjectSigningAlg,
		"require_signed_request_object":         &md.RequireSignedRequestObject,
		"require_pushed_authorization_requests": &md.RequirePushedAuthorizationRequests,
	}
}

// decodeField decodes one member into dst, a *string, *[]string, *bool
// or *json.RawMessage (an object), with no conversion between types.
func decodeField(raw json.RawMessage, dst any) error {
	switch d := dst.(type) {
	case *json.RawMessage:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return fmt.Errorf("want a JSON object")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return fmt.Errorf("want a JSON object")
		}
		*d = buf.Bytes()
		return nil
	case *[]string:
		if json.Unmarshal(raw, d) != nil || *d == nil {
			*d = nil
			return fmt.Errorf("want an array of strings")
		}
		return nil
	case *bool:
		if json.Unmarshal(raw, d) != nil {
			return fmt.Errorf("want true or false")
		}
		return nil
	}
	if json.Unmarshal(raw, dst) != nil {
		return fmt.Errorf("want a string")
	}
	return nil
}

// invalidMetadata returns the invalid_client_metadata error of
// RFC 7591 §3.2.2.
func invalidMetadata(description string) *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidClientMetadata, description)
}

// serverMembers lists the members present in m that only the server sets.
func (m members) serverMembers() []string {
	var out []string
	for _, name := range []string{memberRegistrationToken, memberRegistrationURI, memberIDIssuedAt, memberSecretExpiresAt} {
		if _, ok := m[name]; ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
