package grantry_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/grantry/grantry"
)

func TestErrorHTTPStatusDefaults(t *testing.T) {
	tests := []struct {
		code grantry.ErrorCode
		want int
	}{
		{grantry.ErrInvalidRequest, http.StatusBadRequest},
		{grantry.ErrInvalidClient, http.StatusUnauthorized},
		{grantry.ErrInvalidGrant, http.StatusBadRequest},
		{grantry.ErrUnauthorizedClient, http.StatusBadRequest},
		{grantry.ErrUnsupportedGrantType, http.StatusBadRequest},
		{grantry.ErrUnsupportedResponseType, http.StatusBadRequest},
		{grantry.ErrInvalidScope, http.StatusBadRequest},
		{grantry.ErrAccessDenied, http.StatusBadRequest},
		{grantry.ErrServerError, http.StatusInternalServerError},
		{grantry.ErrTemporarilyUnavailable, http.StatusServiceUnavailable},
		{grantry.ErrInvalidToken, http.StatusUnauthorized},
		{grantry.ErrInsufficientScope, http.StatusForbidden},
		{grantry.ErrUnsupportedTokenType, http.StatusBadRequest},
		{grantry.ErrAuthorizationPending, http.StatusBadRequest},
		{grantry.ErrSlowDown, http.StatusBadRequest},
		{grantry.ErrExpiredToken, http.StatusBadRequest},
		{grantry.ErrInvalidTarget, http.StatusBadRequest},
		{"extension_error", http.StatusBadRequest},
		{"", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			e := grantry.NewError(tt.code, "x")
			if got := e.HTTPStatus(); got != tt.want {
				t.Errorf("HTTPStatus() for %q = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
}

func TestErrorHTTPStatusOverride(t *testing.T) {
	tests := []struct {
		name   string
		code   grantry.ErrorCode
		status int
	}{
		{"invalid_client without Basic", grantry.ErrInvalidClient, http.StatusBadRequest},
		{"invalid_request as 405", grantry.ErrInvalidRequest, http.StatusMethodNotAllowed},
		{"invalid_request as 413", grantry.ErrInvalidRequest, http.StatusRequestEntityTooLarge},
		{"slow_down as 429", grantry.ErrSlowDown, http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &grantry.Error{Code: tt.code, Status: tt.status}
			if got := e.HTTPStatus(); got != tt.status {
				t.Errorf("HTTPStatus() = %d, want %d", got, tt.status)
			}
		})
	}
}

func TestErrorConstructors(t *testing.T) {
	cause := errors.New("database is on fire")
	tests := []struct {
		name   string
		err    *grantry.Error
		code   grantry.ErrorCode
		desc   string
		status int
		cause  error
	}{
		{"NewError", grantry.NewError(grantry.ErrInvalidScope, "bad scope"), grantry.ErrInvalidScope, "bad scope", 400, nil},
		{"InvalidRequest", grantry.InvalidRequest("missing code"), grantry.ErrInvalidRequest, "missing code", 400, nil},
		{"ServerError", grantry.ServerError(cause), grantry.ErrServerError, "the server met an unexpected condition", 500, cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Code != tt.code || e.Description != tt.desc {
				t.Errorf("got code %q description %q, want %q %q", e.Code, e.Description, tt.code, tt.desc)
			}
			if got := e.HTTPStatus(); got != tt.status {
				t.Errorf("HTTPStatus() = %d, want %d", got, tt.status)
			}
			if e.Cause != tt.cause {
				t.Errorf("Cause = %v, want %v", e.Cause, tt.cause)
			}
			if e.Redirectable() {
				t.Error("Redirectable() = true for an error without RedirectURI, want false")
			}
		})
	}
}

func TestServerErrorHidesCause(t *testing.T) {
	e := grantry.ServerError(errors.New("pq: password authentication failed for user admin"))
	if strings.Contains(e.Description, "pq") || strings.Contains(e.SafeDescription(), "admin") {
		t.Errorf("Description %q reveals the cause", e.Description)
	}
}

func TestErrorRedirectable(t *testing.T) {
	e := grantry.NewError(grantry.ErrAccessDenied, "")
	if e.Redirectable() {
		t.Error("Redirectable() = true without RedirectURI, want false")
	}
	e.RedirectURI = "https://client.test/cb"
	if !e.Redirectable() {
		t.Error("Redirectable() = false with RedirectURI, want true")
	}
}

func TestErrorString(t *testing.T) {
	cause := errors.New("timeout")
	tests := []struct {
		name string
		err  *grantry.Error
		want string
	}{
		{"code only", &grantry.Error{Code: "invalid_grant"}, "invalid_grant"},
		{"code and description", &grantry.Error{Code: "invalid_grant", Description: "code expired"}, "invalid_grant: code expired"},
		{"code, description and cause", &grantry.Error{Code: "server_error", Description: "oops", Cause: cause}, "server_error: oops: timeout"},
		{"code and cause", &grantry.Error{Code: "server_error", Cause: cause}, "server_error: timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := fmt.Errorf("store: %w", io.ErrUnexpectedEOF)
	e := grantry.ServerError(cause)
	if got := e.Unwrap(); got != cause {
		t.Errorf("Unwrap() = %v, want %v", got, cause)
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("errors.Is(e, io.ErrUnexpectedEOF) = false, want true through Unwrap")
	}
	if got := grantry.NewError(grantry.ErrInvalidGrant, "").Unwrap(); got != nil {
		t.Errorf("Unwrap() without cause = %v, want nil", got)
	}

	wrapped := fmt.Errorf("handler: %w", e)
	var target *grantry.Error
	if !errors.As(wrapped, &target) || target != e {
		t.Errorf("errors.As through fmt.Errorf: got %v, want the original *Error", target)
	}
}

func TestSafeDescription(t *testing.T) {
	// error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ) (RFC 6749 §5.2).
	var all, want strings.Builder
	for c := 0; c < 0x80; c++ {
		all.WriteByte(byte(c))
		if c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) {
			want.WriteByte(byte(c))
		}
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "the code has expired", "the code has expired"},
		{"every ASCII byte", all.String(), want.String()},
		{"quote and backslash", `bad "scope" a\b`, "bad scope ab"},
		{"controls", "line1\nline2\r\tend\x00", "line1line2end"},
		{"non-ASCII", "déjà vu ✓", "dj vu "},
		{"invalid UTF-8", "a\xffb\xc3", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &grantry.Error{Code: grantry.ErrInvalidRequest, Description: tt.in}
			if got := e.SafeDescription(); got != tt.want {
				t.Errorf("SafeDescription() = %q, want %q", got, tt.want)
			}
			if e.Description != tt.in {
				t.Errorf("SafeDescription changed Description to %q", e.Description)
			}
		})
	}
}

func TestErrorMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		err  *grantry.Error
		want string
	}{
		{"code only", &grantry.Error{Code: grantry.ErrInvalidRequest}, `{"error":"invalid_request"}`},
		{"every member", &grantry.Error{Code: grantry.ErrAccessDenied, Description: "no", URI: "https://e.test/doc", State: "s<1>"},
			`{"error":"access_denied","error_description":"no","error_uri":"https://e.test/doc","state":"s\u003c1\u003e"}`},
		{"description filtered, cause never written", &grantry.Error{Code: grantry.ErrServerError, Description: "bad \"quote\"\n", Cause: errors.New("db password=hunter2")},
			`{"error":"server_error","error_description":"bad quote"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.err)
			if err != nil {
				t.Fatalf("json.Marshal: got error %v, want nil", err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	wrapped := fmt.Errorf("grant: %w", grantry.NewError(grantry.ErrInvalidGrant, "the code expired"))
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code", grantry.NewError(grantry.ErrInvalidGrant, "x"), grantry.ErrInvalidGrant, true},
		{"wrapped", wrapped, grantry.ErrInvalidGrant, true},
		{"other code", wrapped, grantry.ErrInvalidRequest, false},
		{"bare code", grantry.ErrInvalidScope, grantry.ErrInvalidScope, true},
		{"wrapped bare code", fmt.Errorf("x: %w", grantry.ErrSlowDown), grantry.ErrSlowDown, true},
		{"cause found through the error", grantry.ServerError(io.EOF), io.EOF, true},
		{"not an OAuth error", io.EOF, grantry.ErrServerError, false},
		{"an *Error is not its code's target by pointer", grantry.NewError(grantry.ErrInvalidGrant, "x"), grantry.NewError(grantry.ErrInvalidGrant, "x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestAsError(t *testing.T) {
	described := grantry.NewError(grantry.ErrInvalidGrant, "the code expired")
	tests := []struct {
		name     string
		err      error
		wantOK   bool
		wantCode grantry.ErrorCode
		wantDesc string
	}{
		{"an *Error", described, true, grantry.ErrInvalidGrant, "the code expired"},
		{"a wrapped *Error", fmt.Errorf("x: %w", described), true, grantry.ErrInvalidGrant, "the code expired"},
		{"a bare code", grantry.ErrAccessDenied, true, grantry.ErrAccessDenied, ""},
		{"a wrapped bare code", fmt.Errorf("x: %w", grantry.ErrSlowDown), true, grantry.ErrSlowDown, ""},
		{"anything else", io.EOF, false, "", ""},
		{"nil", nil, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := grantry.AsError(tt.err)
			if ok != tt.wantOK {
				t.Fatalf("ok: got %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if e.Code != tt.wantCode || e.Description != tt.wantDesc {
				t.Errorf("got %q %q, want %q %q", e.Code, e.Description, tt.wantCode, tt.wantDesc)
			}
		})
	}
}
