package registration

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Both the initial access token of protected registration (RFC 7591 §3)
// and the registration access token of a client (RFC 7592 §3) are OAuth
// 2.0 bearer tokens in the Authorization header; a request without one,
// or with an invalid one, is answered as RFC 6750 §3 says.

// bearerToken returns the token of an Authorization: Bearer header, ""
// when there is no Authorization header, or an error for a malformed one.
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Values("Authorization")
	switch {
	case len(h) == 0:
		return "", nil
	case len(h) > 1:
		return "", grantry.InvalidRequest("more than one Authorization header")
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h[0]), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || !b64token(tok) {
		return "", nil // not a bearer token: as if none were sent
	}
	return tok, nil
}

// b64token reports whether tok has the syntax of RFC 6750 §2.1.
func b64token(tok string) bool {
	body := strings.TrimRight(tok, "=")
	if body == "" {
		return false
	}
	for _, c := range body {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("-._~+/", c):
		default:
			return false
		}
	}
	return true
}

// challenge returns the 401 answer of RFC 6750 §3.1: with no token, a
// WWW-Authenticate challenge without error code; with a bad one,
// invalid_token.
func (e *Endpoint) challenge(presented bool) *grantry.Error {
	realm := strings.ReplaceAll(e.srv.Issuer(), `"`, "")
	if realm == "" {
		realm = "oauth"
	}
	if !presented {
		return &grantry.Error{
			Code: grantry.ErrInvalidToken, Description: "a bearer token is required", Status: http.StatusUnauthorized,
			Header: http.Header{"Www-Authenticate": {`Bearer realm="` + realm + `"`}},
		}
	}
	return &grantry.Error{
		Code: grantry.ErrInvalidToken, Description: "the bearer token is invalid", Status: http.StatusUnauthorized,
		Header: http.Header{"Www-Authenticate": {`Bearer realm="` + realm + `", error="invalid_token"`}},
	}
}

// checkInitialToken applies protected registration: without
// Config.InitialAccessTokens anyone may register.
func (e *Endpoint) checkInitialToken(ctx context.Context, r *http.Request) error {
	if e.cfg.InitialAccessTokens == nil {
		return nil
	}
	tok, err := bearerToken(r)
	if err != nil {
		return err
	}
	if tok == "" {
		return e.challenge(false)
	}
	err = e.cfg.InitialAccessTokens.CheckInitialAccessToken(ctx, secret.Digest(tok), e.cfg.Now())
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return e.challenge(true)
	case err != nil:
		return authserver.AsError(err)
	}
	return nil
}

// authorizeClient returns the client of a client configuration endpoint
// once its registration access token is checked (RFC 7592 §2): a missing
// token, a wrong one, or an unknown client, which must not be told apart
// from another client's token, is 401 (RFC 7592 §2.1, §2.2, §2.3).
func (e *Endpoint) authorizeClient(ctx context.Context, r *http.Request, id string) (*storage.Client, error) {
	tok, err := bearerToken(r)
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, e.challenge(false)
	}
	c, err := e.clients.GetClient(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, e.challenge(true)
	case err != nil:
		return nil, authserver.AsError(err)
	}
	// A client registered otherwise has no token and is not managed here.
	if c.RegistrationTokenHash == "" || !secret.Equal(secret.Digest(tok), c.RegistrationTokenHash) {
		return nil, e.challenge(true)
	}
	return c, nil
}

// StoredInitialTokens returns the InitialAccessTokens kept in s: a token
// is valid while it is stored and not expired.
func StoredInitialTokens(s storage.InitialAccessTokenStore) InitialAccessTokens {
	return storedTokens{s}
}

type storedTokens struct {
	s storage.InitialAccessTokenStore
}

func (st storedTokens) CheckInitialAccessToken(ctx context.Context, digest string, now time.Time) error {
	t, err := st.s.InitialAccessTokenByHash(ctx, digest)
	if err != nil {
		return err
	}
	if !t.Valid(now) {
		return storage.ErrNotFound
	}
	return nil
}
