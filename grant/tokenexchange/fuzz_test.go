package tokenexchange_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry/grant/tokenexchange"
)

// FuzzExchangeParams posts arbitrary token exchange bodies: every answer
// is a 200 or a client error of the RFC's, in JSON, never a panic or a
// 500.
func FuzzExchangeParams(f *testing.F) {
	fx := newFixture(f, tokenexchange.Config{})
	for _, seed := range []string{
		subject("at-alice", typeAT, "scope", "read", "audience", "orders").Encode(),
		subject("at-mayact", typeAT, "actor_token", "at-svc", "actor_token_type", typeAT).Encode(),
		subject(fx.idpJWT(f, nil), typeJWT, "resource", api, "resource", api).Encode(),
		subject(fx.idToken(f, "JWT"), typeID, "requested_token_type", typeJWT).Encode(),
		"subject_token=at-alice&subject_token=at-alice",
		"audience=&audience=%00&subject_token_type=" + typeAT,
	} {
		f.Add(seed)
	}
	allowed := map[string]bool{
		"invalid_request": true, "invalid_grant": true, "invalid_target": true, "invalid_scope": true,
		"unauthorized_client": true, "unsupported_grant_type": true,
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !strings.Contains(body, "grant_type=") {
			body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&" + body
		}
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("svc", "svc-secret")
		w := httptest.NewRecorder()
		fx.handler.ServeHTTP(w, r)
		var resp map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
			t.Fatalf("body %q: answer %q is not JSON", body, w.Body.String())
		}
		switch w.Code {
		case http.StatusOK:
			if resp["issued_token_type"] == nil || resp["refresh_token"] != nil {
				t.Errorf("body %q: got %v, want issued_token_type and no refresh_token", body, resp)
			}
		case http.StatusBadRequest:
			if code, _ := resp["error"].(string); !allowed[code] {
				t.Errorf("body %q: got error %q", body, code)
			}
		default:
			t.Errorf("body %q: got status %d %v", body, w.Code, resp)
		}
	})
}

// FuzzJWTValidator gives arbitrary tokens to the validator of trusted
// issuers: none is valid unless the issuer signed it, and none is an
// error but a key source's.
func FuzzJWTValidator(f *testing.F) {
	fx := newFixture(f, tokenexchange.Config{})
	v := fx.validators(f)[typeJWT]
	good := fx.idpJWT(f, nil)
	f.Add(good)
	f.Add(fx.idToken(f, "JWT"))
	f.Add("a.b.c")
	f.Add(strings.Replace(good, ".", ".x", 1))
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := v.Validate(t.Context(), token, now)
		if err != nil && !errors.Is(err, tokenexchange.ErrInvalidToken) {
			t.Fatalf("Validate(%q): got error %v, want ErrInvalidToken or none", token, err)
		}
		if err == nil && token != good {
			t.Errorf("Validate(%q): got %+v, want it refused", token, tok)
		}
	})
}
