package authserver

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/grantry/grantry"
)

// MetadataProvider contributes members to the server metadata
// (RFC 8414 §2). Grants, client authenticators and endpoints may implement
// it; an extension gives its members with Hooks.Metadata, as PKCE gives
// code_challenge_methods_supported.
type MetadataProvider interface {
	// ServerMetadata returns the members to add. A member whose value is
	// a []string is merged with what the server and other providers give
	// for it; any other member is added only when nothing set it before.
	ServerMetadata() map[string]any
}

// Metadata returns the authorization server metadata (RFC 8414 §2), built
// from the configuration and from what is registered: issuer,
// authorization_endpoint and token_endpoint (Config.Endpoints, resolved
// with URL), scopes_supported (Config.Scopes), the response types, response
// modes and grant types of the registered grants, the union of the token
// grants' client authentication methods, authorization_response_iss_parameter_supported
// (RFC 9207) when there is an issuer and an authorization grant,
// request_parameter_supported and request_uri_parameter_supported
// (RFC 9101 §10.1) set true with an authorization grant when request
// objects are enabled or a request_uri resolver is mounted (so that they
// override the false an OpenID provider gives), with request objects
// request_object_signing_alg_values_supported and, when required,
// require_signed_request_object, each
// endpoint's NAME_endpoint_auth_methods_supported, and the members of every
// MetadataProvider among the grants, the client authenticators, the
// endpoints and the handlers of MountHandler, and of every extension's
// Hooks.Metadata. String lists are
// sorted.
// Each call returns a new map.
func (s *Server) Metadata() map[string]any {
	m := s.baseMetadata()
	for _, src := range s.metadataSources() {
		s.mergeMetadata(m, src())
	}
	for k, v := range m {
		if list, ok := v.([]string); ok {
			slices.Sort(list)
			m[k] = slices.Compact(list)
		}
	}
	return m
}

func (s *Server) baseMetadata() map[string]any {
	m := map[string]any{"response_types_supported": []string{}}
	setString(m, "issuer", s.cfg.Issuer)
	setString(m, "authorization_endpoint", s.URL(s.cfg.Endpoints.Authorization))
	setString(m, "token_endpoint", s.URL(s.cfg.Endpoints.Token))
	if s.dpop != nil {
		m["dpop_signing_alg_values_supported"] = s.dpop.Algorithms() // RFC 9449 §5.1
	}
	if s.cfg.Scopes != nil {
		m["scopes_supported"] = slices.Clone([]string(s.cfg.Scopes))
	}
	var grants, methods []string
	for gt, g := range s.tokenGrant {
		grants = append(grants, string(gt))
		for _, am := range g.AuthMethods() {
			methods = append(methods, string(am))
		}
	}
	if len(methods) > 0 {
		m["token_endpoint_auth_methods_supported"] = methods
	}
	s.setSigningAlgs(m, grantry.EndpointToken, methods)
	if len(s.authzGrant) > 0 {
		rts := make([]string, 0, len(s.authzGrant))
		for rt := range s.authzGrant {
			rts = append(rts, string(rt))
		}
		m["response_types_supported"] = rts
		m["response_modes_supported"] = []string{ModeQuery, ModeFragment, ModeFormPost}
		if s.cfg.Issuer != "" {
			m["authorization_response_iss_parameter_supported"] = true
		}
		if s.cfg.RequestObjects != nil {
			m["request_parameter_supported"] = true
			s.requestObjectMetadata(m)
		}
		if s.requestURIs != nil {
			m["request_uri_parameter_supported"] = true
		}
	}
	if _, ok := s.authzGrant[grantry.ResponseToken]; ok {
		grants = append(grants, string(grantry.GrantImplicit))
	}
	if len(grants) > 0 {
		m["grant_types_supported"] = grants
	}
	return m
}

// setSigningAlgs sets NAME_endpoint_auth_signing_alg_values_supported
// (RFC 8414 §2) to the algorithms of the registered assertion methods
// among methods, when there are any.
func (s *Server) setSigningAlgs(m map[string]any, name string, methods []string) {
	var algs []string
	for _, am := range methods {
		method := grantry.AuthMethod(am)
		if _, ok := s.clientAuth[method].(assertionAuth); !ok {
			continue
		}
		for _, alg := range s.assertionAlgorithms(method) {
			algs = append(algs, string(alg))
		}
	}
	if len(algs) > 0 {
		m[name+"_endpoint_auth_signing_alg_values_supported"] = algs
	}
}

func setString(m map[string]any, name, value string) {
	if value != "" {
		m[name] = value
	}
}

// metadataSources lists what contributes members, in a fixed order: token
// grants by grant type, then authorization grants by response type, then
// the extensions, the client authenticators, the endpoints and the
// handlers of MountHandler, each in registration order.
func (s *Server) metadataSources() []func() map[string]any {
	var out []func() map[string]any
	add := func(v any) {
		if p, ok := v.(MetadataProvider); ok {
			out = append(out, p.ServerMetadata)
		}
	}
	for _, gt := range slices.Sorted(maps.Keys(s.tokenGrant)) {
		add(s.tokenGrant[gt])
	}
	for _, rt := range slices.Sorted(maps.Keys(s.authzGrant)) {
		add(s.authzGrant[rt])
	}
	for _, h := range s.exts {
		if h.Metadata != nil {
			out = append(out, h.Metadata)
		}
	}
	for _, am := range s.authOrder {
		add(s.clientAuth[am])
	}
	for _, e := range s.endpoints {
		out = append(out, s.endpointMetadata(e))
	}
	for _, h := range s.handlers {
		add(h.h)
	}
	return out
}

// endpointMetadata gives an endpoint's NAME_endpoint_auth_methods_supported
// and the members of its ServerMetadata, if it has any.
func (s *Server) endpointMetadata(e Endpoint) func() map[string]any {
	return func() map[string]any {
		var m map[string]any
		if p, ok := e.(MetadataProvider); ok {
			m = p.ServerMetadata()
		}
		if len(e.AuthMethods()) == 0 {
			return m
		}
		if m == nil {
			m = map[string]any{}
		}
		methods := make([]string, 0, len(e.AuthMethods()))
		for _, am := range e.AuthMethods() {
			methods = append(methods, string(am))
		}
		m[e.Name()+"_endpoint_auth_methods_supported"] = methods
		s.setSigningAlgs(m, e.Name(), methods)
		return m
	}
}

// mergeMetadata adds the members of add to m: string lists are joined,
// other members are kept when set already. An endpoint URL (a member whose
// name ends in _endpoint) given as a path is joined to the issuer.
func (s *Server) mergeMetadata(m, add map[string]any) {
	for k, v := range add {
		if u, ok := v.(string); ok && strings.HasSuffix(k, "_endpoint") {
			v = s.URL(u)
		}
		list, isList := v.([]string)
		have, exists := m[k]
		switch {
		case !exists:
			if isList {
				v = slices.Clone(list)
			}
			m[k] = v
		case isList:
			if haveList, ok := have.([]string); ok {
				m[k] = append(haveList, list...)
			}
		}
	}
}

// MetadataHandler serves the metadata document at MetadataPath
// (RFC 8414 §3): GET or HEAD, 200 with the JSON object of Metadata, built
// once at the first request, so every grant, extension and endpoint must
// be registered before serving. The document is public: it may be cached
// for an hour and read from any origin. Other methods get 405 with Allow.
//
// The document must name its issuer (RFC 8414 §2), so a server without
// Config.Issuer answers 500 server_error and logs why: a server that
// publishes no metadata may do without an issuer, one that does may not.
func (s *Server) MetadataHandler() http.Handler { return &metadataHandler{s: s} }

var errNoIssuer = errors.New("authserver: server metadata requires Config.Issuer (RFC 8414 §2)")

type metadataHandler struct {
	s    *Server
	once sync.Once
	body []byte
	err  error
}

func (h *metadataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		e := grantry.InvalidRequest("the method must be GET")
		e.Status = http.StatusMethodNotAllowed
		e.Header = http.Header{"Allow": {"GET, HEAD"}}
		WriteJSONError(w, e)
		return
	}
	h.once.Do(func() {
		if h.s.cfg.Issuer == "" {
			h.err = errNoIssuer
			return
		}
		h.body, h.err = json.MarshalIndent(h.s.Metadata(), "", "  ")
		h.body = append(h.body, '\n')
	})
	if h.err != nil {
		h.s.WriteError(w, r, grantry.ServerError(h.err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "public, max-age=3600")
	hdr.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.body)
	}
}
