package authserver

import (
	"context"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// clientAuthParams are the parameters of client authentication, which a
// pushed request carries beside the authorization request's own
// (RFC 9126 §2.1) and which are not part of it.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// ValidatePushedRequest validates the parameters of a pushed
// authorization request (RFC 9126 §2.1) from client, which the caller
// authenticated, exactly as ValidateAuthorizationRequest validates a
// request at the authorization endpoint: a request object among them is
// verified first (RFC 9126 §3), then the client, redirect URI, response
// type, scope and the grant's and extensions' checks. Client
// authentication parameters are left out. No error redirects (RFC 9126
// §2.3). The request's Params are what to store under a request_uri, and
// Signed whether they came from a request object. It is the entry point
// of endpoint/par; r is the push's HTTP request.
func (s *Server) ValidatePushedRequest(ctx context.Context, r *http.Request, client *storage.Client, params Params) (*AuthorizationRequest, error) {
	p := make(Params, len(params))
	for k, v := range params {
		p[k] = v
	}
	for _, k := range clientAuthParams {
		delete(p, k)
	}
	if p.Get("request_uri") != "" {
		return nil, grantry.InvalidRequest("request_uri may not be pushed")
	}
	req := &AuthorizationRequest{HTTP: r, Params: p, Client: client, Pushed: true, Time: s.now()}
	if obj := p.Get("request"); obj != "" {
		res, err := s.verifyRequestObject(ctx, client, obj)
		if err != nil {
			return nil, AsError(err)
		}
		req.Params, req.Signed = res.Params, res.Signed
	}
	req.Params["client_id"] = client.ID
	req.State = req.Get("state")
	if err := s.pushedProof(ctx, req); err != nil {
		return nil, notRedirected(err)
	}
	if err := s.checkClientAndRedirect(ctx, req); err != nil {
		return nil, notRedirected(err)
	}
	if err := s.checkAuthorizationParams(ctx, req); err != nil {
		return nil, notRedirected(err)
	}
	return req, nil
}

// notRedirected returns err as a JSON error without state.
func notRedirected(err error) error {
	e := *AsError(err)
	e.RedirectURI, e.State = "", ""
	return &e
}
