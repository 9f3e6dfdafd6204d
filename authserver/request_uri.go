package authserver

import (
	"context"
	"maps"
	"net/http"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// RequestURIResolver resolves the request_uri of pushed authorization
// requests at the authorization endpoint (RFC 9126 §4). An Endpoint
// mounted with Server.Mount that implements it is the server's resolver;
// endpoint/par's Endpoint does. Without one, request_uri is answered with
// request_uri_not_supported (RFC 9101 §7).
type RequestURIResolver interface {
	// ResolveRequestURI returns, once, the parameters client pushed under
	// uri. An unknown, used or expired (at now) uri, or one another
	// client pushed, is a *grantry.Error invalid_request_uri.
	ResolveRequestURI(ctx context.Context, client *storage.Client, uri string, now time.Time) (*ResolvedRequest, error)
	// RequirePushed reports whether every client must push its
	// authorization requests (RFC 9126 §5,
	// require_pushed_authorization_requests).
	RequirePushed() bool
}

// ResolvedRequest holds the parameters of an authorization request taken
// from a pushed request or a request object, which replace those of the
// query (RFC 9126 §4, RFC 9101 §6.3).
type ResolvedRequest struct {
	Params Params
	// Signed tells that Params came from a request object whose
	// signature was verified with the client's keys.
	Signed bool
}

// resolveRequest replaces the parameters of an authorization request by
// those of its request_uri or request object, so that grants and
// extensions never see either parameter. Only the client_id of the query
// is kept, and it must be the pushing or signing client's (RFC 9126 §4,
// RFC 9101 §5). The resolved redirect URI is checked later, as any; an
// error here is answered by resolveError.
func (s *Server) resolveRequest(ctx context.Context, req *AuthorizationRequest) error {
	obj, uri := req.Get("request"), req.Get("request_uri")
	if obj == "" && uri == "" {
		return nil
	}
	if obj != "" && uri != "" {
		return grantry.InvalidRequest("request and request_uri may not be used together")
	}
	if uri != "" && s.requestURIs == nil {
		return grantry.NewError(grantry.ErrRequestURINotSupported, "request_uri is not supported")
	}
	if obj != "" && s.cfg.RequestObjects == nil {
		return grantry.NewError(grantry.ErrRequestNotSupported, "request objects are not supported")
	}
	client, err := s.queryClient(ctx, req.Get("client_id"))
	if err != nil {
		return err
	}
	var res *ResolvedRequest
	if uri != "" {
		res, err = s.requestURIs.ResolveRequestURI(ctx, client, uri, req.Time)
		req.Pushed = err == nil
	} else {
		res, err = s.verifyRequestObject(ctx, client, obj)
	}
	if err != nil {
		return AsError(err)
	}
	params := maps.Clone(res.Params)
	if params == nil {
		params = Params{}
	}
	params["client_id"] = client.ID
	req.Params, req.Client, req.Signed = params, client, res.Signed
	return nil
}

// queryClient finds the client named by the client_id of the query, which
// a request with request or request_uri must carry (RFC 9101 §5,
// RFC 9126 §4).
func (s *Server) queryClient(ctx context.Context, id string) (*storage.Client, error) {
	if id == "" {
		return nil, grantry.InvalidRequest("missing client_id")
	}
	client, err := s.lookupClient(ctx, id)
	if err == errBadCredentials {
		return nil, &grantry.Error{Code: grantry.ErrInvalidClient, Description: "unknown client", Status: http.StatusBadRequest}
	}
	if err != nil {
		return nil, AsError(err)
	}
	return client, nil
}

// resolveError answers a failure to resolve request or request_uri
// (RFC 9101 §7): redirected to the redirect URI of the query, when the
// query names a client and a redirect URI of it as a plain request must,
// since such a URI is safe to send the error to; otherwise, and always
// when the client is unknown, in a JSON body.
func (s *Server) resolveError(ctx context.Context, r *http.Request, query Params, err error) error {
	e := AsError(err)
	q := &AuthorizationRequest{HTTP: r, Params: query, State: query.Get("state"), Time: s.now()}
	if s.checkClientAndRedirect(ctx, q) != nil {
		return e
	}
	return q.redirectError(e)
}

// checkRequestPolicy applies what the server and the client require of
// the way a request is sent: pushed (RFC 9126 §5, §6) or as a signed
// request object (RFC 9101 §10.5). Either failure is invalid_request
// (RFC 9126 §2.3).
func (s *Server) checkRequestPolicy(req *AuthorizationRequest) error {
	pushed := req.Client.RequirePushedAuthorizationRequests || (s.requestURIs != nil && s.requestURIs.RequirePushed())
	if pushed && !req.Pushed {
		return grantry.InvalidRequest("the authorization request must be pushed first (RFC 9126)")
	}
	if s.requireSigned(req.Client) && !req.Signed {
		return grantry.InvalidRequest("the authorization request must be a signed request object (RFC 9101)")
	}
	return nil
}

// SetRequestURIResolver makes r the server's resolver of request_uri
// without mounting it as an endpoint, for an application that keeps its
// own requests by reference (a sign-in page returning to a pushed
// request) but offers no pushed authorization request endpoint. It
// panics when a resolver is set already.
func (s *Server) SetRequestURIResolver(r RequestURIResolver) {
	if s.requestURIs != nil {
		panic("authserver: a second request_uri resolver")
	}
	s.requestURIs = r
}
