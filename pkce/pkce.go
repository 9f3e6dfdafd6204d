// Package pkce is the Proof Key for Code Exchange extension (RFC 7636) of
// the authorization code grant.
//
//	srv.RegisterExtension(pkce.New(pkce.Config{}))
//
// The extension acts on the authorization requests that ask for a code
// (response_type code, and any response type that includes it) and on the
// token requests that redeem one.
// A public client must always send a code challenge; with Config.Required
// (or [Required]) every client must. Only the S256 transform is accepted
// unless Config.AllowPlain is set (RFC 9700 §2.1.1): plain protects nothing
// against an attacker who can read the authorization request.
//
// At the token endpoint a request whose code was issued with a challenge
// must carry the matching code_verifier; one whose code was issued without a
// challenge must carry none, which stops PKCE downgrade attacks
// (RFC 9700 §4.8.2).
package pkce

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Transformation methods (RFC 7636 §4.2).
const (
	MethodS256  = "S256"
	MethodPlain = "plain"
)

// Config configures the extension. The zero value requires PKCE from public
// clients and accepts S256 only.
type Config struct {
	// Required makes a code challenge mandatory for every client, not only
	// public ones (RFC 9700 §2.1.1).
	Required bool
	// AllowPlain accepts the plain transformation besides S256, for
	// clients that cannot compute SHA-256 (RFC 7636 §4.2). A challenge
	// without code_challenge_method is plain (RFC 7636 §4.3), so it too
	// is refused unless AllowPlain is set.
	AllowPlain bool
}

// Extension is the PKCE extension, an authserver.Extension.
type Extension struct{ cfg Config }

// Hooks implements authserver.Extension.
func (e *Extension) Hooks() authserver.Hooks {
	return authserver.Hooks{
		ValidateAuthorization: e.validateAuthorization,
		ValidateToken:         e.validateToken,
		Metadata:              e.metadata,
	}
}

// New returns the extension.
func New(cfg Config) *Extension { return &Extension{cfg: cfg} }

// Required returns the extension with a code challenge required from every
// client.
func Required() *Extension { return New(Config{Required: true}) }

// Methods returns the accepted transformation methods, for server metadata
// (code_challenge_methods_supported, RFC 8414 §2).
func (e *Extension) Methods() []string {
	if e.cfg.AllowPlain {
		return []string{MethodS256, MethodPlain}
	}
	return []string{MethodS256}
}

// validateAuthorization checks code_challenge and code_challenge_method
// (RFC 7636 §4.3, §4.4.1) of a request for a code and keeps them for the
// code.
func (e *Extension) validateAuthorization(_ context.Context, req *authserver.AuthorizationRequest) error {
	if !asksForCode(req.ResponseType) {
		return nil
	}
	challenge, method := req.Get("code_challenge"), req.Get("code_challenge_method")
	if challenge == "" {
		if method != "" {
			return grantry.InvalidRequest("code_challenge_method without code_challenge")
		}
		if e.cfg.Required || req.Client.Public() {
			return grantry.InvalidRequest("code_challenge is required")
		}
		return nil
	}
	if method == "" {
		method = MethodPlain // RFC 7636 §4.3
	}
	if method != MethodS256 && (method != MethodPlain || !e.cfg.AllowPlain) {
		return grantry.InvalidRequest("transform algorithm not supported")
	}
	if !validKey(challenge) {
		return grantry.InvalidRequest("code_challenge must be 43 to 128 unreserved characters")
	}
	req.CodeChallenge, req.CodeChallengeMethod = challenge, method
	return nil
}

// validateToken checks code_verifier against the challenge of a redeemed
// code (RFC 7636 §4.6): missing or malformed is invalid_request, a
// mismatch invalid_grant.
func (e *Extension) validateToken(_ context.Context, req *authserver.TokenRequest, iss *authserver.Issue) error {
	code := iss.Code
	if code == nil {
		return nil
	}
	verifier := req.Get("code_verifier")
	if code.CodeChallenge == "" {
		if verifier != "" {
			return grantry.NewError(grantry.ErrInvalidGrant, "code_verifier sent for a code issued without code_challenge")
		}
		return nil
	}
	if verifier == "" {
		return grantry.InvalidRequest("missing code_verifier")
	}
	if !validKey(verifier) {
		return grantry.InvalidRequest("code_verifier must be 43 to 128 unreserved characters")
	}
	if !Verify(code.CodeChallengeMethod, code.CodeChallenge, verifier) {
		return grantry.NewError(grantry.ErrInvalidGrant, "code_verifier does not match code_challenge")
	}
	return nil
}

// Challenge returns the code challenge of a verifier under a method.
func Challenge(method, verifier string) string {
	if method == MethodPlain {
		return verifier
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Verify reports, in constant time, whether verifier matches challenge
// under method.
func Verify(method, challenge, verifier string) bool {
	if method != MethodS256 && method != MethodPlain {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(Challenge(method, verifier)), []byte(challenge)) == 1
}

// validKey checks the ABNF of code_verifier and code_challenge: 43 to 128
// characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
// (RFC 7636 §4.1, §4.2).
func validKey(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// asksForCode reports whether a response type issues a code: "code" or
// a combination that includes it, such as "code id_token".
func asksForCode(rt grantry.ResponseType) bool {
	return slices.Contains(strings.Fields(string(rt)), string(grantry.ResponseCode))
}
