package authserver

import (
	"context"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// RequestObjectConfig configures request objects (RFC 9101).
type RequestObjectConfig struct{}

// verifyRequestObject verifies a request object (RFC 9101).
func (s *Server) verifyRequestObject(_ context.Context, _ *storage.Client, _ string) (*ResolvedRequest, error) {
	return nil, grantry.NewError(grantry.ErrRequestNotSupported, "request objects are not supported")
}

// requireSigned reports whether client must send signed request objects.
func (s *Server) requireSigned(c *storage.Client) bool { return c.RequireSignedRequestObject }
