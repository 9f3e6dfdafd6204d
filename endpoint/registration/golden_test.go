package registration_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry/endpoint/registration"
)

// wireDump renders a response as its wire form, headers sorted and
// Content-Length and Date left out, with each random value of masks
// replaced by its name.
func wireDump(t *testing.T, res *http.Response, masks map[string]string) []byte {
	t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(res.StatusCode) + " " + http.StatusText(res.StatusCode) + "\r\n")
	names := make([]string, 0, len(res.Header))
	for k := range res.Header {
		if k != "Content-Length" && k != "Date" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range res.Header[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if json.Valid(body) && len(body) > 0 {
		var out bytes.Buffer
		_ = json.Indent(&out, body, "", "  ")
		body = append(out.Bytes(), '\n')
	}
	b.Write(body)
	got := b.String()
	for name, v := range masks {
		if v != "" {
			got = strings.ReplaceAll(got, v, "<"+name+">")
		}
	}
	return []byte(got)
}

// fullMetadata registers every member the endpoint keeps.
const fullMetadata = `{
  "redirect_uris": ["https://app.example/cb", "com.example.app:/cb"],
  "token_endpoint_auth_method": "client_secret_post",
  "grant_types": ["authorization_code", "refresh_token"],
  "response_types": ["code"],
  "client_name": "Example App",
  "client_uri": "https://app.example/",
  "logo_uri": "https://app.example/logo.png",
  "scope": "openid profile",
  "contacts": ["ops@app.example"],
  "tos_uri": "https://app.example/tos",
  "policy_uri": "https://app.example/privacy",
  "jwks_uri": "https://app.example/jwks.json",
  "software_id": "4NRB1-0XZABZI9E6-5SM3R",
  "software_version": "2.1",
  "id_token_signed_response_alg": "ES256",
  "subject_type": "public",
  "post_logout_redirect_uris": ["https://app.example/bye"],
  "backchannel_logout_uri": "https://app.example/backchannel",
  "backchannel_logout_session_required": true,
  "request_object_signing_alg": "PS256",
  "require_signed_request_object": true,
  "require_pushed_authorization_requests": true,
  "extension_member": "ignored"
}`

func TestGoldenResponses(t *testing.T) {
	f := newFixture(t, func(c *registration.Config) { c.InitialAccessTokens = initialTokens{hashOf("iat"): true} })
	t.Run("register", func(t *testing.T) {
		res := f.do(t, http.MethodPost, "/register", fullMetadata, "iat")
		var got info
		body := wireDump(t, res, nil)
		_ = json.Unmarshal(body[bytes.Index(body, []byte("\r\n\r\n"))+4:], &got)
		golden.Check(t, "register", []byte(maskAll(string(body), got)))
	})
	t.Run("read", func(t *testing.T) {
		reg := decode(t, f.do(t, http.MethodPost, "/register", fullMetadata, "iat"), http.StatusCreated)
		res := f.do(t, http.MethodGet, "/register/"+reg.ClientID, "", reg.RegistrationAccessToken)
		golden.Check(t, "read", []byte(maskAll(string(wireDump(t, res, nil)), reg)))
	})
	tests := []struct {
		name, body, token string
	}{
		{"register_invalid_redirect_uri", `{"redirect_uris":["http://app.example/cb"]}`, "iat"},
		{"register_no_initial_token", `{"redirect_uris":["https://app.example/cb"]}`, ""},
		{"register_invalid_initial_token", `{"redirect_uris":["https://app.example/cb"]}`, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Check(t, tt.name, wireDump(t, f.do(t, http.MethodPost, "/register", tt.body, tt.token), nil))
		})
	}
}

// maskAll replaces the random values of a registration in s.
func maskAll(s string, i info) string {
	for name, v := range map[string]string{
		"client_id": i.ClientID, "client_secret": i.ClientSecret, "registration_access_token": i.RegistrationAccessToken,
	} {
		if v != "" {
			s = strings.ReplaceAll(s, v, "<"+name+">")
		}
	}
	return s
}
