package bearer

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/grantry/grantry/internal/origin"
)

// WellKnownPath is the well-known URI suffix of protected resource
// metadata (RFC 9728 §3).
const WellKnownPath = "/.well-known/oauth-protected-resource"

// Bearer methods of RFC 9728 §2 bearer_methods_supported: how a token may
// be sent (RFC 6750 §2).
const (
	MethodHeader = "header"
	MethodBody   = "body"
	MethodQuery  = "query"
)

// ResourceMetadata is the protected resource metadata of RFC 9728 §2. A
// field left empty is omitted from the document.
type ResourceMetadata struct {
	// Resource is the resource identifier: an https URL without fragment.
	// Empty means the protector's Config.Resource.
	Resource string `json:"resource"`
	// AuthorizationServers lists the issuer identifiers of the
	// authorization servers whose tokens the resource accepts.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
	// JWKSURI is where the resource publishes its own public keys.
	JWKSURI string `json:"jwks_uri,omitempty"`
	// ScopesSupported lists the scopes the resource uses in requests for
	// access tokens (RECOMMENDED).
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported lists how tokens may be sent: "header",
	// "body", "query". Nil means what the protector accepts.
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitempty"`
	// ResourceSigningAlgValuesSupported lists the JWS algorithms the
	// resource signs its responses with.
	ResourceSigningAlgValuesSupported []string `json:"resource_signing_alg_values_supported,omitempty"`
	// ResourceName is a human-readable name of the resource.
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation, ResourcePolicyURI and ResourceTOSURI are URLs
	// of pages for developers and users.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
	ResourcePolicyURI     string `json:"resource_policy_uri,omitempty"`
	ResourceTOSURI        string `json:"resource_tos_uri,omitempty"`
	// TLSClientCertificateBoundAccessTokens tells that the resource
	// accepts certificate-bound tokens (RFC 8705).
	TLSClientCertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	// DPoPSigningAlgValuesSupported lists the algorithms of the DPoP
	// proofs the resource accepts (RFC 9728 §2, RFC 9449). Nil means
	// those of Config.DPoP, if any.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
}

// MetadataURL returns the URL of the metadata of a resource (RFC 9728
// §3.1): the well-known suffix inserted between the host and the path of
// the resource identifier, which must be an https URL (http on loopback
// only) without query or fragment.
func MetadataURL(resource string) (string, error) {
	u, err := origin.ParseSecure(resource, false)
	if err != nil || u.RawQuery != "" || u.ForceQuery {
		return "", errors.New("bearer: the resource identifier must be an https URL without query or fragment")
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + WellKnownPath + path, nil
}

// MetadataHandler serves the protected resource metadata of RFC 9728 §3.2
// at MetadataURL(m.Resource): GET and HEAD only, as application/json. The
// resource defaults to Config.Resource, the bearer methods to those the
// protector accepts and the DPoP algorithms to those of Config.DPoP. It panics when the resource is no valid identifier,
// since the document would then be unusable (§3.3).
func (p *Protector) MetadataHandler(m ResourceMetadata) http.Handler {
	if m.Resource == "" {
		m.Resource = p.cfg.Resource
	}
	if _, err := MetadataURL(m.Resource); err != nil {
		panic(err)
	}
	if m.BearerMethodsSupported == nil {
		m.BearerMethodsSupported = p.bearerMethods()
	}
	if m.DPoPSigningAlgValuesSupported == nil && p.dpop != nil {
		m.DPoPSigningAlgValuesSupported = p.dpop.Algorithms()
	}
	body, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		panic(err)
	}
	return metadataHandler(append(body, '\n'))
}

// bearerMethods lists the ways the protector reads a token.
func (p *Protector) bearerMethods() []string {
	methods := []string{MethodHeader}
	if p.cfg.AllowForm {
		methods = append(methods, MethodBody)
	}
	if p.cfg.InsecureAllowQuery {
		methods = append(methods, MethodQuery)
	}
	return methods
}

type metadataHandler []byte

func (h metadataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "public, max-age=3600")
	hdr.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h)
	}
}
