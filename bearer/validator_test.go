package bearer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/storage"
)

// funcValidator is a Validator made of a function, for the answers the
// store-backed one never gives.
type funcValidator func(ctx context.Context, token string) (grantry.TokenInfo, error)

func (f funcValidator) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	return f(ctx, token)
}

func active(scope string) funcValidator {
	return func(context.Context, string) (grantry.TokenInfo, error) {
		return grantry.TokenInfo{Active: true, Scope: grantry.MustParseScope(scope), Subject: "s"}, nil
	}
}

// wrapped is a validator that wraps another, as a logging or metrics
// layer does: it knows nothing of the checks a Protector adds.
func wrapped(v bearer.Validator) funcValidator {
	return func(ctx context.Context, token string) (grantry.TokenInfo, error) {
		return v.ValidateToken(ctx, token)
	}
}

// checks returns a Config with a revocation list and a request check.
func checks(revoked func(*grantry.TokenInfo) (bool, error), requestErr error) bearer.Config {
	return bearer.Config{
		Revoked: func(_ context.Context, info *grantry.TokenInfo) (bool, error) { return revoked(info) },
		CheckRequest: func(*http.Request, *grantry.TokenInfo) error {
			return requestErr
		},
	}
}

// TestValidatorAnswers covers the validator contract: inactive answers,
// times and errors, and the revocation and request checks of Config,
// which apply whatever the validator.
func TestValidatorAnswers(t *testing.T) {
	notRevoked := func(*grantry.TokenInfo) (bool, error) { return false, nil }
	revoked := func(*grantry.TokenInfo) (bool, error) { return true, nil }
	unavailable := answer{503, "", "temporarily_unavailable", ""}
	tests := []struct {
		name string
		v    bearer.Validator
		cfg  bearer.Config // its checks, if any
		want answer
	}{
		{"active", active("profile"), bearer.Config{}, answer{200, "", "", "s profile"}},
		{"inactive", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) { return grantry.TokenInfo{}, nil }),
			bearer.Config{}, answer{401, invalidToken, "invalid_token", ""}},
		{"inactive with the fields of an active token", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{Scope: grantry.Scope{"profile"}, Subject: "s", ExpiresAt: now.Add(time.Hour)}, nil
		}), bearer.Config{}, answer{401, invalidToken, "invalid_token", ""}},
		{"expired by the protector's clock", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{Active: true, ExpiresAt: now}, nil
		}), bearer.Config{}, answer{401, invalidToken, "invalid_token", ""}},
		{"not yet valid", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{Active: true, NotBefore: now.Add(time.Second)}, nil
		}), bearer.Config{}, answer{401, invalidToken, "invalid_token", ""}},
		{"store down", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{}, errors.New("db-primary:5432 refused")
		}), bearer.Config{}, unavailable},
		{"an active info with an error is an error", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{Active: true, Scope: grantry.Scope{"profile"}}, errors.New("db-primary:5432 refused")
		}), bearer.Config{}, unavailable},
		{"validator's own invalid_token gets the challenge", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{}, grantry.NewError(grantry.ErrInvalidToken, "signature mismatch")
		}), bearer.Config{}, answer{401, `Bearer realm="api", error="invalid_token", error_description="signature mismatch"`, "invalid_token", ""}},
		{"validator's wrapped invalid_request", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{}, fmt.Errorf("wrapped: %w", grantry.InvalidRequest("bad"))
		}), bearer.Config{}, answer{400, `Bearer realm="api", error="invalid_request", error_description="bad"`, "invalid_request", ""}},
		{"validator's error with an error_uri", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{}, &grantry.Error{Code: grantry.ErrInvalidToken, URI: "https://as.test/errors#token"}
		}), bearer.Config{}, answer{401, `Bearer realm="api", error="invalid_token"`, "invalid_token", ""}},
		{"validator's error with its own challenge", funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
			return grantry.TokenInfo{}, &grantry.Error{Code: grantry.ErrInvalidToken, Header: http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}}}
		}), bearer.Config{}, answer{401, `Bearer error="invalid_token"`, "invalid_token", ""}},
		{"revoked", active("profile"), checks(revoked, nil), answer{401, invalidToken, "invalid_token", ""}},
		{"revoked, behind a wrapping validator", wrapped(active("profile")), checks(revoked, nil), answer{401, invalidToken, "invalid_token", ""}},
		{"revocation check fails", active("profile"), checks(func(*grantry.TokenInfo) (bool, error) { return false, errors.New("cache down") }, nil),
			unavailable},
		{"request check refuses", active("profile"), checks(notRevoked, errors.New("certificate mismatch")),
			answer{401, invalidToken, "invalid_token", ""}},
		{"request check refuses, behind a wrapping validator", wrapped(active("profile")), checks(notRevoked, errors.New("certificate mismatch")),
			answer{401, invalidToken, "invalid_token", ""}},
		{"request check with its own error", active("profile"), checks(notRevoked, grantry.InvalidRequest("use TLS")),
			answer{400, `Bearer realm="api", error="invalid_request", error_description="use TLS"`, "invalid_request", ""}},
		{"all checks pass", active("profile"), checks(notRevoked, nil), answer{200, "", "", "s profile"}},
		{"checks pass, scope does not", active("email"), checks(notRevoked, nil),
			answer{403, insufficient("profile"), "insufficient_scope", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := tt.cfg
			cfg.Realm, cfg.Now, cfg.Logger = "api", func() time.Time { return now }, slog.New(slog.NewTextHandler(&logs, nil))
			p := bearer.New(tt.v, cfg)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer t")
			rec := serve(p.Require("profile")(whoami), r)
			checkAnswer(t, rec, tt.want)
			if tt.want.status == 503 {
				if strings.Contains(rec.Body.String(), "refused") || strings.Contains(rec.Body.String(), "cache down") {
					t.Errorf("body %s leaks the cause", rec.Body)
				}
				if !strings.Contains(logs.String(), "level=ERROR") {
					t.Errorf("logs: got %q, want the cause logged", logs.String())
				}
			}
		})
	}
}

func TestNewNilValidatorPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	bearer.New(nil, bearer.Config{})
}

// TestErrorURI: an error_uri from the validator reaches the body.
func TestErrorURI(t *testing.T) {
	v := funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
		return grantry.TokenInfo{}, &grantry.Error{Code: grantry.ErrInvalidToken, URI: "https://as.test/errors#token"}
	})
	p := bearer.New(v, bearer.Config{})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer t")
	rec := serve(p.Require()(whoami), r)
	if want := `{"error":"invalid_token","error_uri":"https://as.test/errors#token"}`; rec.Body.String() != want {
		t.Errorf("body: got %s, want %s", rec.Body, want)
	}
}

// downStore is a store that cannot be reached.
type downStore struct{}

func (downStore) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, fmt.Errorf("db-primary:5432: %w", storage.ErrUnavailable)
}

// TestStoreOutage: the store-backed validator failing is 503 through the
// middleware and through Acquire, never invalid_token.
func TestStoreOutage(t *testing.T) {
	var logs bytes.Buffer
	p := bearer.New(newValidator(downStore{}), bearer.Config{Realm: "api", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+bothToken)
	checkAnswer(t, serve(p.Require()(whoami), r), answer{503, "", "temporarily_unavailable", ""})
	if _, err := p.Acquire(r, bearer.Requirement{}); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Acquire: got %v, want an error wrapping storage.ErrUnavailable", err)
	}
	if !strings.Contains(logs.String(), "db-primary:5432") {
		t.Errorf("logs: got %q, want the cause", logs.String())
	}
}
