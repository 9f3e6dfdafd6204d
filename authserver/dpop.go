package authserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
)

// DPoPConfig configures DPoP at the token endpoint (RFC 9449). A client
// opts in by sending a proof: its tokens are then bound to the proof's
// key, and token_type is DPoP; a request without a proof gets bearer
// tokens, unless its grant is bound to a key already.
type DPoPConfig struct {
	// Verifier checks the proofs; nil means one with the defaults of
	// package dpop and the server's clock. Give it dpop.Nonces to make
	// clients use server nonces (§8).
	Verifier *dpop.Verifier
	// RequirePublicClients refuses the token requests of public clients
	// that carry no proof, as if every public client had registered
	// dpop_bound_access_tokens (§5.2).
	RequirePublicClients bool
}

// ExtraDPoPJKT is the key, in AuthorizationRequest.Extra and so in the
// code's Extra, of the dpop_jkt parameter that binds an authorization code
// to a DPoP key (RFC 9449 §10).
const ExtraDPoPJKT = "dpop_jkt"

// setupDPoP makes the verifier and finds the token endpoint's URI, the htu
// of the proofs sent to it.
func (s *Server) setupDPoP() error {
	c := s.cfg.DPoP
	if c == nil {
		return nil
	}
	s.dpop = c.Verifier
	if s.dpop == nil {
		s.dpop = dpop.NewVerifier(dpop.Config{Now: s.now})
	}
	s.tokenURI = s.URL(s.cfg.Endpoints.Token)
	if _, ok := dpop.NormalizeURI(s.tokenURI); !ok {
		return fmt.Errorf("authserver: DPoP needs the absolute URL of the token endpoint (Config.Issuer and Config.Endpoints.Token), not %q", s.tokenURI)
	}
	return nil
}

// checkProof checks the DPoP proof of a token request, if any (RFC 9449
// §5), before the grant spends anything, and keeps it on req.
func (s *Server) checkProof(ctx context.Context, req *TokenRequest) error {
	if s.dpop == nil {
		return nil
	}
	p, err := s.dpop.Verify(ctx, req.HTTP, s.tokenURI, "")
	switch {
	case errors.Is(err, dpop.ErrNoProof):
		if s.cfg.DPoP.RequirePublicClients && req.Client.Public() {
			return grantry.NewError(grantry.ErrInvalidDPoPProof, "a DPoP proof is required")
		}
		return nil
	case err != nil:
		if _, ok := grantry.AsError(err); ok {
			return err
		}
		return AsError(err)
	}
	req.DPoP = p
	return nil
}

// bindProof checks that the proof is of the key the grant is bound to,
// and binds the new tokens to it: a code requested with dpop_jkt
// (RFC 9449 §10), a refresh token of a public client issued with a proof
// (§5). A confidential client's refresh token is bound by the client's
// own authentication, and may be used with another key or none.
func (s *Server) bindProof(req *TokenRequest, iss *Issue) error {
	if s.dpop == nil {
		return nil
	}
	var jkt string
	if req.DPoP != nil {
		jkt = req.DPoP.JKT
	}
	if iss.Code != nil {
		if want := iss.Code.Extra[ExtraDPoPJKT]; want != "" && want != jkt {
			return grantry.NewError(grantry.ErrInvalidDPoPProof, "the authorization code is bound to another DPoP key")
		}
	}
	if iss.Token != nil && iss.Token.JKT != "" && req.Client.Public() && iss.Token.JKT != jkt {
		return grantry.NewError(grantry.ErrInvalidDPoPProof, "the refresh token is bound to another DPoP key")
	}
	iss.JKT = jkt
	return nil
}

// checkDPoPJKT checks the dpop_jkt parameter of an authorization request
// (RFC 9449 §10) and keeps it for the code: a JWK SHA-256 thumbprint, 43
// base64url characters.
func (s *Server) checkDPoPJKT(req *AuthorizationRequest) error {
	jkt := req.Get("dpop_jkt")
	if s.dpop == nil || jkt == "" {
		return nil
	}
	if !thumbprintForm(jkt) {
		return grantry.InvalidRequest("dpop_jkt is not a JWK SHA-256 thumbprint")
	}
	if req.Extra == nil {
		req.Extra = make(map[string]string, 1)
	}
	req.Extra[ExtraDPoPJKT] = jkt
	return nil
}

func thumbprintForm(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// setNonce hands out a fresh DPoP nonce with the answer to a request that
// carried a proof, when the server uses nonces (RFC 9449 §8.2).
func (s *Server) setNonce(h http.Header, r *http.Request) {
	if s.dpop == nil || r.Header.Get("DPoP") == "" {
		return
	}
	if n := s.dpop.Nonce(); n != "" {
		h.Set(dpop.NonceHeader, n)
	}
}

// pushedProof checks the DPoP proof sent with a pushed authorization
// request, if any (RFC 9449 §10.1), for the pushing endpoint's URI under
// the issuer, and binds the code to its key as dpop_jkt would; a dpop_jkt
// sent too must name the same key.
func (s *Server) pushedProof(ctx context.Context, req *AuthorizationRequest) error {
	if s.dpop == nil {
		return nil
	}
	p, err := s.dpop.Verify(ctx, req.HTTP, s.URL(req.HTTP.URL.EscapedPath()), "")
	switch {
	case errors.Is(err, dpop.ErrNoProof):
		return nil
	case err != nil:
		if _, ok := grantry.AsError(err); ok {
			return err
		}
		return AsError(err)
	}
	if jkt := req.Get("dpop_jkt"); jkt != "" && jkt != p.JKT {
		return grantry.NewError(grantry.ErrInvalidDPoPProof, "dpop_jkt is not the thumbprint of the DPoP proof's key")
	}
	req.Params["dpop_jkt"] = p.JKT
	return nil
}
