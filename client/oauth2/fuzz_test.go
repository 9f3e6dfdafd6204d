package oauth2

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func FuzzParseTokenResponse(f *testing.F) {
	f.Add([]byte(`{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA"}`))
	f.Add([]byte(`{"access_token":"a","token_type":"bearer","expires_in":"60"}`))
	f.Add([]byte(`{"error":"invalid_grant"}`))
	f.Add([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":1e308}`))
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := ParseTokenResponse(body, now)
		if err != nil {
			var oe *Error
			if !errors.Is(err, ErrTokenResponse) && !errors.As(err, &oe) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if tok.AccessToken == "" || tok.TokenType == "" {
			t.Fatalf("accepted a token without access_token or token_type: %+v", tok)
		}
		if strings.EqualFold(tok.TokenType, "bearer") && tok.TokenType != "Bearer" {
			t.Fatalf("token_type %q not normalized", tok.TokenType)
		}
		if !tok.Expiry.IsZero() && tok.Expiry.Before(now) {
			t.Fatalf("expiry %v before the response", tok.Expiry)
		}
	})
}

func FuzzParseIntrospection(f *testing.F) {
	f.Add([]byte(`{"active":true,"aud":["a"],"exp":1419356238}`))
	f.Add([]byte(`{"active":false}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseIntrospection(body)
		if err != nil {
			if !errors.Is(err, ErrIntrospection) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !got.Active && !reflect.DeepEqual(got, &grantry.TokenInfo{}) {
			t.Fatalf("inactive response kept %+v, want nothing but Active", got)
		}
	})
}

func FuzzParseErrorResponse(f *testing.F) {
	f.Add([]byte(`{"error":"invalid_client","error_description":"x"}`), 401)
	f.Add([]byte(`<html>`), 500)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		e := parseErrorResponse(status, nil, body)
		if e.StatusCode != status || len(e.Body) > maxErrorBody {
			t.Fatalf("error %+v for status %d", e, status)
		}
		if e.Code == "" && len(body) > 0 && len(e.Body) == 0 {
			t.Fatal("body of an unknown error dropped")
		}
	})
}

func FuzzParseCallback(f *testing.F) {
	f.Add("code=abc&state=s1", "s1")
	f.Add("error=access_denied&state=s1&iss=https%3A%2F%2Fas.test", "s1")
	f.Add("code=a&code=b&state=s1", "s1")
	c, err := New(Config{ClientID: "c1", Issuer: "https://as.test"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, state string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		code, err := c.ParseCallback(q, &AuthRequest{State: state})
		if err != nil {
			return
		}
		if code == "" || state == "" || q.Get("state") != state || q.Get("error") != "" {
			t.Fatalf("accepted %q for state %q", query, state)
		}
		if iss, ok := q["iss"]; ok && iss[0] != "https://as.test" {
			t.Fatalf("accepted iss %q", iss[0])
		}
	})
}

// FuzzParseDeviceAuth checks that any device authorization response is
// refused with ErrDeviceResponse or gives every required value.
func FuzzParseDeviceAuth(f *testing.F) {
	f.Add([]byte(`{"device_code":"d","user_code":"BCDF-GHJK","verification_uri":"https://as.example/device","expires_in":600,"interval":5}`))
	f.Add([]byte(`{"device_code":"d","user_code":"u","verification_url":"https://as.example","expires_in":1e308}`))
	f.Add([]byte(`{"interval":-1}`))
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		da, err := parseDeviceAuth(body, now)
		if err != nil {
			if !errors.Is(err, ErrDeviceResponse) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" || !da.ExpiresAt.After(now) {
			t.Fatalf("accepted an incomplete response: %+v", da)
		}
		if da.Interval < time.Second || da.Interval > maxDeviceInterval {
			t.Fatalf("interval %v out of bounds", da.Interval)
		}
	})
}
