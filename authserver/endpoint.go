package authserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// Endpoint is an optional endpoint at which a client authenticates, such
// as revocation (RFC 7009) or introspection (RFC 7662). The server parses
// the POST form body, authenticates the client with one of AuthMethods,
// calls Respond, and writes its answer or its error with Cache-Control:
// no-store. An endpoint that implements MetadataProvider adds members to
// the server metadata, such as its URL.
type Endpoint interface {
	// Name returns the endpoint's name, such as grantry.EndpointRevocation;
	// it is unique on a server and names the endpoint's metadata members.
	Name() string
	// AuthMethods returns the client authentication methods accepted.
	AuthMethods() []grantry.AuthMethod
	// Respond answers an authenticated request: a JSON body, or nil for
	// an empty 200 answer.
	Respond(ctx context.Context, req *EndpointRequest) ([]byte, error)
}

// EndpointRequest is a request to an Endpoint whose client has been
// authenticated.
type EndpointRequest struct {
	HTTP   *http.Request
	Params Params
	// Client is the authenticated client and AuthMethod how it
	// authenticated.
	Client     *storage.Client
	AuthMethod grantry.AuthMethod
	// Time is when the server received the request, by Config.Now.
	Time time.Time

	known grantry.Scope // Config.Scopes
}

// Get returns a request parameter.
func (r *EndpointRequest) Get(name string) string { return r.Params.Get(name) }

// RequestedScope parses the scope parameter and checks it against the
// server's known scopes and the client's (RFC 6749 §3.3), as
// TokenRequest.RequestedScope does: any other scope is invalid_scope. An
// omitted scope is an empty one.
func (r *EndpointRequest) RequestedScope() (grantry.Scope, error) {
	return checkScope(r.Get("scope"), r.known, r.Client)
}

// SuccessStatuser is implemented by an Endpoint whose successful answer
// has a status other than 200, such as 201 Created for a pushed
// authorization request (RFC 9126 §2.2).
type SuccessStatuser interface {
	SuccessStatus() int
}

// Mount registers an endpoint, so that the server metadata lists it, and
// returns its handler for the application to route. An endpoint that
// implements RequestURIResolver becomes the server's resolver of
// request_uri. It panics when an endpoint of the same name, or a second
// resolver, is registered already: programming errors found at start-up.
func (s *Server) Mount(e Endpoint) http.Handler {
	for _, have := range s.endpoints {
		if have.Name() == e.Name() {
			panic("authserver: endpoint registered twice: " + e.Name())
		}
	}
	for _, have := range s.handlers {
		if have.name == e.Name() {
			panic("authserver: endpoint registered twice: " + e.Name())
		}
	}
	if res, ok := e.(RequestURIResolver); ok {
		s.SetRequestURIResolver(res)
	}
	s.endpoints = append(s.endpoints, e)
	status := http.StatusOK
	if st, ok := e.(SuccessStatuser); ok {
		status = st.SuccessStatus()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := s.respond(r.Context(), r, e)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		h := w.Header()
		h["Cache-Control"] = noStore
		h["Pragma"] = noCache
		if body == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		h["Content-Type"] = jsonContentType
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// MountHandler registers an endpoint that answers its requests itself,
// such as dynamic client registration (RFC 7591), whose callers present a
// bearer token rather than client credentials. When h implements
// MetadataProvider, the server metadata holds its members. It returns h,
// and panics, as Mount does, when an endpoint of the same name is
// registered already.
func (s *Server) MountHandler(name string, h http.Handler) http.Handler {
	for _, have := range s.endpoints {
		if have.Name() == name {
			panic("authserver: endpoint registered twice: " + name)
		}
	}
	for _, have := range s.handlers {
		if have.name == name {
			panic("authserver: endpoint registered twice: " + name)
		}
	}
	s.handlers = append(s.handlers, namedHandler{name, h})
	return h
}

// namedHandler is an endpoint registered with MountHandler.
type namedHandler struct {
	name string
	h    http.Handler
}

func (s *Server) respond(ctx context.Context, r *http.Request, e Endpoint) ([]byte, error) {
	params, err := s.postParams(r)
	if err != nil {
		return nil, err
	}
	car := &ClientAuthRequest{HTTP: r, Params: params, Endpoint: e.Name()}
	client, method, err := s.AuthenticateClient(ctx, car, e.AuthMethods())
	if err != nil {
		return nil, err
	}
	req := &EndpointRequest{HTTP: r, Params: params, Client: client, AuthMethod: method, Time: s.now(), known: s.cfg.Scopes}
	return e.Respond(ctx, req)
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
