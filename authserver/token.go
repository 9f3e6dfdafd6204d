package authserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/internal/form"
	"github.com/grantry/grantry/storage"
)

// TokenRequest is a token request (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6)
// whose client has been authenticated. A grant's ValidateTokenRequest fills
// in Subject and Scope, and Code or Token where they apply.
type TokenRequest struct {
	HTTP      *http.Request
	Params    Params
	GrantType grantry.GrantType
	// Client is the authenticated client and AuthMethod how it
	// authenticated.
	Client     storage.Client
	AuthMethod grantry.AuthMethod
	// Subject is the resource owner the tokens are for; "" for the client
	// itself.
	Subject string
	// Scope is the scope to grant.
	Scope grantry.Scope
	// FamilyID links the tokens to the grant they descend from; empty
	// starts a new family.
	FamilyID string
	// Code is the consumed authorization code (authorization_code grant).
	Code *storage.AuthorizationCode
	// Token is the token being refreshed (refresh_token grant).
	Token *storage.Token

	server *Server
	exts   []Extension
}

// Get returns a request parameter.
func (r *TokenRequest) Get(name string) string { return r.Params.Get(name) }

// Server returns the server handling the request.
func (r *TokenRequest) Server() *Server { return r.server }

// ServeToken is the token endpoint (RFC 6749 §3.2). It accepts only POST
// with an application/x-www-form-urlencoded body.
func (s *Server) ServeToken(w http.ResponseWriter, r *http.Request) {
	resp, err := s.handleToken(r.Context(), r)
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

func (s *Server) handleToken(ctx context.Context, r *http.Request) (*grantry.TokenResponse, error) {
	params, err := s.postParams(r)
	if err != nil {
		return nil, err
	}
	entry, err := s.tokenGrantFor(params.Get("grant_type"))
	if err != nil {
		return nil, err
	}
	req := &TokenRequest{HTTP: r, Params: params, GrantType: entry.grant.GrantType(), server: s, exts: entry.exts}
	if err := s.authenticateTokenClient(ctx, req, entry.grant.AuthMethods()); err != nil {
		return nil, err
	}
	if err := entry.grant.ValidateTokenRequest(ctx, req); err != nil {
		return nil, err
	}
	for _, e := range entry.exts {
		if v, ok := e.(TokenValidator); ok {
			if err := v.ValidateTokenRequest(ctx, req); err != nil {
				return nil, err
			}
		}
	}
	return entry.grant.CreateTokenResponse(ctx, req)
}

// postParams parses a POST body as form endpoints require (RFC 6749 §3.2).
func (s *Server) postParams(r *http.Request) (Params, error) {
	v, err := form.PostBody(r, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, formError(err)
	}
	return Params(v), nil
}

// ParsePost parses the body of a POST endpoint such as revocation or
// introspection: POST only, application/x-www-form-urlencoded, size
// limited, no repeated parameter.
func (s *Server) ParsePost(r *http.Request) (Params, error) { return s.postParams(r) }

func formError(err error) *grantry.Error {
	var fe *form.Error
	if !errors.As(err, &fe) {
		return grantry.InvalidRequest("the request could not be parsed")
	}
	e := grantry.InvalidRequest(fe.Reason)
	e.Status, e.Header = fe.Status, fe.Header.Clone()
	return e
}

func (s *Server) tokenGrantFor(gt string) (*tokenEntry, error) {
	if gt == "" {
		return nil, grantry.InvalidRequest("missing grant_type")
	}
	entry, ok := s.tokenGrant[grantry.GrantType(gt)]
	if !ok {
		return nil, grantry.NewError(grantry.ErrUnsupportedGrantType, "the grant type is not supported")
	}
	return entry, nil
}

// authenticateTokenClient authenticates the client and checks that it may
// use the grant type (RFC 6749 §5.2 unauthorized_client).
func (s *Server) authenticateTokenClient(ctx context.Context, req *TokenRequest, allowed []grantry.AuthMethod) error {
	car := &ClientAuthRequest{HTTP: req.HTTP, Params: req.Params, Endpoint: grantry.EndpointToken}
	client, method, err := s.AuthenticateClient(ctx, car, allowed)
	if err != nil {
		return err
	}
	if !client.CheckGrantType(req.GrantType) {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not use this grant type")
	}
	req.Client, req.AuthMethod = client, method
	return nil
}

// ParseScope parses the scope parameter and checks it against the server's
// known scopes and the client's allowed scope (RFC 6749 §3.3): any other
// scope is invalid_scope.
func (s *Server) ParseScope(raw string, client storage.Client) (grantry.Scope, error) {
	sc, err := grantry.ParseScope(raw)
	if err != nil {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope is malformed")
	}
	if s.cfg.Scopes != nil && !s.cfg.Scopes.Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope is unknown")
	}
	if !client.AllowedScope().Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds what the client may request")
	}
	return sc, nil
}
