package authserver

import (
	"net/url"
	"strings"
)

// Endpoint is an optional endpoint, such as revocation (RFC 7009) or
// introspection (RFC 7662), registered on the server so that the server
// metadata lists it. The endpoint itself is an http.Handler the
// application mounts.
type Endpoint interface {
	// Name returns the endpoint's name, such as grantry.EndpointRevocation;
	// it is unique on a server.
	Name() string
	// MetadataProvider gives the endpoint's URL and authentication
	// methods, such as revocation_endpoint and
	// revocation_endpoint_auth_methods_supported (RFC 8414 §2).
	MetadataProvider
}

// RegisterEndpoint registers an endpoint for the server metadata. It panics
// when an endpoint of the same name is registered already, a programming
// error found at start-up.
func (s *Server) RegisterEndpoint(e Endpoint) {
	for _, have := range s.endpoints {
		if have.Name() == e.Name() {
			panic("authserver: endpoint registered twice: " + e.Name())
		}
	}
	s.endpoints = append(s.endpoints, e)
}

// EndpointURLs locates the server's own endpoints. Each is an absolute URL,
// or a path beginning with "/" that is joined to the issuer; an empty one
// is left out of the metadata.
type EndpointURLs struct {
	// Authorization is the authorization endpoint (RFC 6749 §3.1).
	Authorization string
	// Token is the token endpoint (RFC 6749 §3.2).
	Token string
}

// URL resolves an endpoint reference for the metadata: an absolute URL is
// returned as it is, a path beginning with "/" is joined to the issuer
// ("https://as.example/tenant" and "/token" give
// "https://as.example/tenant/token"), and "" stays "". Without an issuer a
// path is returned as it is.
func (s *Server) URL(ref string) string {
	if ref == "" || !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") || s.cfg.Issuer == "" {
		return ref
	}
	return strings.TrimSuffix(s.cfg.Issuer, "/") + ref
}

// MetadataPath returns the path at which RFC 8414 §3 places the metadata
// document: /.well-known/oauth-authorization-server, followed by the
// issuer's path when it has one.
func (s *Server) MetadataPath() string {
	const wellKnown = "/.well-known/oauth-authorization-server"
	u, err := url.Parse(s.cfg.Issuer)
	if err != nil {
		return wellKnown
	}
	return wellKnown + strings.TrimSuffix(u.EscapedPath(), "/")
}
