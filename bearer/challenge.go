package bearer

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/grantry/grantry"
)

// ErrNoToken is the cause of the error for a request that carries no
// bearer token: errors.Is(err, bearer.ErrNoToken) tells a handler using
// Acquire that the request is anonymous rather than badly authenticated.
var ErrNoToken = errors.New("bearer: the request carries no access token")

// noToken answers a request without credentials: 401 and a challenge
// without error code (RFC 6750 §3.1).
func (p *Protector) noToken() *grantry.Error {
	return &grantry.Error{
		Status: http.StatusUnauthorized,
		Header: http.Header{"Www-Authenticate": {p.challenge("", "", "")}},
		Cause:  ErrNoToken,
	}
}

func (p *Protector) invalidRequest(description string) *grantry.Error {
	return p.withChallenge(grantry.InvalidRequest(description), "")
}

func (p *Protector) invalidToken() *grantry.Error {
	return p.withChallenge(grantry.NewError(grantry.ErrInvalidToken, "the access token is invalid, expired or revoked"), "")
}

func (p *Protector) insufficientScope(q Requirement) *grantry.Error {
	e := grantry.NewError(grantry.ErrInsufficientScope, "the access token does not grant the required scope")
	return p.withChallenge(e, q.Needed().String())
}

// withChallenge adds the WWW-Authenticate challenge of e (RFC 6750 §3).
func (p *Protector) withChallenge(e *grantry.Error, scope string) *grantry.Error {
	e.Header = http.Header{"Www-Authenticate": {p.challenge(e.Code, e.SafeDescription(), scope)}}
	return e
}

// challenge formats a Bearer challenge: the realm, then error,
// error_description and scope when given, each a quoted string, and on a
// 401 answer (no token, or invalid_token) resource_metadata when
// configured (RFC 9728 §5.1).
func (p *Protector) challenge(code grantry.ErrorCode, description, scope string) string {
	var metadata string
	if code == "" || code == grantry.ErrInvalidToken {
		metadata = p.cfg.ResourceMetadata
	}
	b := make([]byte, 0, 64+len(p.realm)+len(description)+len(scope)+len(metadata))
	b = append(b, "Bearer"...)
	sep := " "
	for _, param := range [...]struct{ name, value string }{
		{"realm", p.realm}, {"error", string(code)}, {"error_description", description}, {"scope", scope},
		{"resource_metadata", metadata},
	} {
		if param.value == "" {
			continue
		}
		b = append(b, sep...)
		b = append(b, param.name...)
		b = append(b, '=')
		b = appendQuoted(b, param.value)
		sep = ", "
	}
	return string(b)
}

// appendQuoted appends s as a quoted-string (RFC 9110 §5.6.4): quotes and
// backslashes are escaped, control characters other than tab dropped.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 && c != '\t', c == 0x7F:
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// retryAfter is the Retry-After, in seconds, of a 503 (RFC 9110 §10.2.3),
// as the authorization server's token endpoint sends it.
const retryAfter = "5"

// asError gives any error from Acquire or a validator its answer: a
// *grantry.Error keeps its own, with a challenge added to an RFC 6750
// error that lacks one; anything else is 503 temporarily_unavailable with
// Retry-After: a validator that cannot decide now may decide in a moment.
func (p *Protector) asError(err error) *grantry.Error {
	e, ok := grantry.AsError(err)
	if !ok {
		return &grantry.Error{
			Code:        grantry.ErrTemporarilyUnavailable,
			Description: "the token could not be validated now",
			Status:      http.StatusServiceUnavailable,
			Header:      http.Header{"Retry-After": {retryAfter}},
			Cause:       err,
		}
	}
	if e.Header.Get("WWW-Authenticate") == "" && isBearerCode(e.Code) {
		c := *e
		c.Header = e.Header.Clone()
		if c.Header == nil {
			c.Header = make(http.Header, 1)
		}
		c.Header.Set("WWW-Authenticate", p.challenge(e.Code, e.SafeDescription(), ""))
		return &c
	}
	return e
}

func isBearerCode(code grantry.ErrorCode) bool {
	return code == grantry.ErrInvalidRequest || code == grantry.ErrInvalidToken || code == grantry.ErrInsufficientScope
}

// WriteError answers a request that Acquire refused, as RFC 6750 §3 says:
// the status, the WWW-Authenticate challenge and, when there is an error
// code, a JSON body with error and error_description and Cache-Control:
// no-store. An error that is not a *grantry.Error is 503; the cause of a
// 5xx answer is logged, never sent.
func (p *Protector) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := p.asError(err)
	status := e.HTTPStatus()
	if status >= 500 && e.Cause != nil {
		p.log.LogAttrs(r.Context(), slog.LevelError, "bearer token validation failed",
			slog.String("path", r.URL.Path), slog.String("error", string(e.Code)), slog.Any("cause", e.Cause))
	}
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Cache-Control", "no-store")
	if e.Code == "" {
		w.WriteHeader(status)
		return
	}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(e.AppendJSON(make([]byte, 0, 128)))
}
