package authserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// AsError turns any error into a *grantry.Error: an *grantry.Error is
// returned as it is, a storage failure becomes temporarily_unavailable and
// anything else server_error. The original error is kept as the cause.
func AsError(err error) *grantry.Error {
	if e, ok := grantry.AsError(err); ok {
		return e
	}
	if errors.Is(err, storage.ErrUnavailable) {
		return &grantry.Error{
			Code:        grantry.ErrTemporarilyUnavailable,
			Description: "the service is temporarily unavailable",
			Header:      http.Header{"Retry-After": {"5"}},
			Cause:       err,
		}
	}
	return grantry.ServerError(err)
}

// WriteError answers a failed request as its RFC says. A redirectable error
// goes to the client's redirect URI (RFC 6749 §4.1.2.1, §4.2.2.1); any
// other is a JSON body (RFC 6749 §5.2) with the error's status and headers.
// The cause of an internal error is logged, never sent.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := AsError(err)
	if Cancelled(r, e.Cause) {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request cancelled by the client",
			slog.String("path", r.URL.Path))
		w.WriteHeader(StatusClientClosedRequest)
		return
	}
	s.logError(r, e)
	if f := s.cfg.Events.Failed; f != nil {
		f(r, e)
	}
	if e.Redirectable() {
		// Headers such as Retry-After go with the redirect too: the
		// user agent, or a client watching it, may honour them.
		for k, v := range e.Header {
			w.Header()[k] = v
		}
		params := errorParams(e)
		if s.cfg.Issuer != "" {
			params.Set("iss", s.cfg.Issuer)
		}
		writeRedirect(w, e.RedirectURI, e.ResponseMode, params)
		return
	}
	WriteJSONError(w, e)
}

// StatusClientClosedRequest is the status WriteError records for a
// request its client gave up on before it was answered. The client never
// sees it; it keeps such requests apart from server errors in logs and
// metrics, as the conventional 499 of HTTP servers does.
const StatusClientClosedRequest = 499

// Cancelled reports whether err is the failure of a request whose client
// went away (its context was cancelled), not a fault of the server.
func Cancelled(r *http.Request, err error) bool {
	return err != nil && errors.Is(err, context.Canceled) && r.Context().Err() != nil
}

func (s *Server) logError(r *http.Request, e *grantry.Error) {
	if e.Cause == nil {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "oauth request failed",
		slog.String("path", r.URL.Path), slog.String("error", string(e.Code)), slog.Any("cause", e.Cause))
}

// WriteJSONError writes e as the JSON error response of RFC 6749 §5.2, with
// Cache-Control: no-store and Pragma: no-cache.
func WriteJSONError(w http.ResponseWriter, e *grantry.Error) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	setJSONHeaders(h)
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(e.AppendJSON(make([]byte, 0, 128)))
}

// Header values shared by every JSON response; never modified.
var (
	jsonContentType = []string{"application/json;charset=UTF-8"}
	noStore         = []string{"no-store"}
	noCache         = []string{"no-cache"}
)

// setJSONHeaders sets the headers of every JSON response: RFC 6749 §5.1
// requires no-store and no-cache on token responses.
func setJSONHeaders(h http.Header) {
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	h["Pragma"] = noCache
}
