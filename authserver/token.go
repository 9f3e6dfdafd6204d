package authserver

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/internal/form"
	"github.com/grantry/grantry/storage"
)

// TokenRequest is a token request (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6)
// whose client has been authenticated and may use the grant type.
type TokenRequest struct {
	HTTP      *http.Request
	Params    Params
	GrantType grantry.GrantType
	// Client is the authenticated client and AuthMethod how it
	// authenticated.
	Client     *storage.Client
	AuthMethod grantry.AuthMethod
	// Time is when the server received the request, by Config.Now.
	Time time.Time
	// Resource lists the resources the request names (RFC 8707 §2.2),
	// checked to be absolute URIs the server knows.
	Resource []string
	// DPoP is the request's checked DPoP proof (RFC 9449 §5), when the
	// server accepts DPoP and the client sent one.
	DPoP *dpop.Proof

	known  grantry.Scope // Config.Scopes
	format string        // Config.AccessTokenFormat
}

// AccessTokenFormat returns the format of the access tokens the server
// issues to the request's client: storage.AccessTokenJWT or
// storage.AccessTokenOpaque.
func (r *TokenRequest) AccessTokenFormat() string {
	f := r.Client.AccessTokenFormat
	if f == "" {
		f = r.format
	}
	if f == "" {
		f = storage.AccessTokenOpaque
	}
	return f
}

// Get returns a request parameter.
func (r *TokenRequest) Get(name string) string { return r.Params.Get(name) }

// RequestedScope parses the scope parameter and checks it against the
// server's known scopes and the client's (RFC 6749 §3.3): any other scope
// is invalid_scope. An omitted scope is an empty one.
func (r *TokenRequest) RequestedScope() (grantry.Scope, error) {
	return checkScope(r.Get("scope"), r.known, r.Client)
}

// ServeToken is the token endpoint (RFC 6749 §3.2). It accepts only POST
// with an application/x-www-form-urlencoded body.
func (s *Server) ServeToken(w http.ResponseWriter, r *http.Request) {
	s.setNonce(w.Header(), r)
	resp, err := s.token(r.Context(), r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	body, err := resp.MarshalJSON()
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	setJSONHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// token answers a token request: parse, authenticate the client, let the
// grant and the extensions say what to issue, issue.
func (s *Server) token(ctx context.Context, r *http.Request) (*grantry.TokenResponse, error) {
	params, err := s.postParams(r)
	if err != nil {
		return nil, err
	}
	g, err := s.tokenGrantFor(params.Get("grant_type"))
	if err != nil {
		return nil, err
	}
	req := &TokenRequest{HTTP: r, Params: params, GrantType: g.GrantType(), Time: s.now(), known: s.cfg.Scopes, format: s.cfg.AccessTokenFormat}
	if err := s.authenticateTokenClient(ctx, req, g.AuthMethods()); err != nil {
		return nil, err
	}
	if req.Resource, err = s.checkResources(params); err != nil {
		return nil, err
	}
	if err := s.checkProof(ctx, req); err != nil {
		return nil, err
	}
	iss, err := g.Token(ctx, req)
	if err != nil {
		return nil, s.grantFailed(ctx, err)
	}
	iss.GrantType = req.GrantType
	if err := bindResources(req.Resource, iss); err != nil {
		return nil, err
	}
	if err := s.bindProof(req, iss); err != nil {
		return nil, err
	}
	for _, h := range s.exts {
		if h.ValidateToken != nil {
			if err := h.ValidateToken(ctx, req, iss); err != nil {
				return nil, err
			}
		}
	}
	return s.issue(ctx, req, iss)
}

// grantFailed revokes the family of a replay before its error is
// answered; an outage while revoking is answered instead.
func (s *Server) grantFailed(ctx context.Context, err error) error {
	var rp *Replay
	if !errors.As(err, &rp) {
		return err
	}
	if rerr := s.revokeFamily(ctx, rp.FamilyID, rp.ClientID); rerr != nil {
		return AsError(rerr)
	}
	return rp.Err
}

// revokeFamily revokes every token of a family, now and later (see
// storage.TokenStore.RevokeFamily), then reports Events.FamilyRevoked.
func (s *Server) revokeFamily(ctx context.Context, familyID, clientID string) error {
	if familyID == "" {
		return nil
	}
	if err := s.cfg.Tokens.RevokeFamily(ctx, familyID); err != nil {
		return err
	}
	if f := s.cfg.Events.FamilyRevoked; f != nil {
		f(ctx, familyID, clientID)
	}
	return nil
}

// postParams parses a POST body as form endpoints require (RFC 6749 §3.2).
func (s *Server) postParams(r *http.Request) (Params, error) {
	v, err := form.PostBody(r, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, formError(err)
	}
	return Params(v), nil
}

func formError(err error) *grantry.Error {
	var fe *form.Error
	if !errors.As(err, &fe) {
		return grantry.InvalidRequest("the request could not be parsed")
	}
	e := grantry.InvalidRequest(fe.Reason)
	e.Status, e.Header = fe.Status, fe.Header.Clone()
	return e
}

func (s *Server) tokenGrantFor(gt string) (TokenGrant, error) {
	if gt == "" {
		return nil, grantry.InvalidRequest("missing grant_type")
	}
	g, ok := s.tokenGrant[grantry.GrantType(gt)]
	if !ok {
		return nil, grantry.NewError(grantry.ErrUnsupportedGrantType, "the grant type is not supported")
	}
	return g, nil
}

// authenticateTokenClient authenticates the client and checks that it may
// use the grant type (RFC 6749 §5.2 unauthorized_client).
func (s *Server) authenticateTokenClient(ctx context.Context, req *TokenRequest, allowed []grantry.AuthMethod) error {
	car := &ClientAuthRequest{HTTP: req.HTTP, Params: req.Params, Endpoint: grantry.EndpointToken}
	client, method, err := s.AuthenticateClient(ctx, car, allowed)
	if err != nil {
		return err
	}
	if !mayUseGrant(client, req.GrantType) {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not use this grant type")
	}
	req.Client, req.AuthMethod = client, method
	return nil
}

// checkScope parses a scope parameter and checks it against the known
// scopes (nil: any) and the client's allowed scope (RFC 6749 §3.3): any
// other scope is invalid_scope.
func checkScope(raw string, known grantry.Scope, client *storage.Client) (grantry.Scope, error) {
	sc, err := grantry.ParseScope(raw)
	if err != nil {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope is malformed")
	}
	if known != nil && !known.Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope is unknown")
	}
	if !client.Scope.Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds what the client may request")
	}
	return sc, nil
}
