package oauth2

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRequestGolden pins the exact form bodies and headers the client
// sends to the token, revocation and introspection endpoints. With the
// credentials of the RFC 6749 examples, the Authorization header is the
// one RFC 6749 §4.1.3 shows.
func TestRequestGolden(t *testing.T) {
	tests := []struct {
		name string
		run  func(c *Client) error
	}{
		{"exchange", func(c *Client) error {
			_, err := c.Exchange(bg, "SplxlOBeZQQYbYS6WxSbIA", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
			return err
		}},
		{"refresh", func(c *Client) error {
			c.SetToken(&Token{AccessToken: "a", RefreshToken: "tGzv3JOkF0XG5Qx2TlKWIA"})
			_, err := c.Refresh(bg)
			return err
		}},
		{"client_credentials", func(c *Client) error { _, err := c.ClientCredentials(bg); return err }},
		{"password", func(c *Client) error { _, err := c.Password(bg, "johndoe", "A3ddj3w"); return err }},
		{"revoke", func(c *Client) error { return c.Revoke(bg, "45ghiukldjahdnhzdauz", "refresh_token") }},
		{"introspect", func(c *Client) error { _, err := c.Introspect(bg, "mF_9.B5f-4.1JqM", "access_token"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			var got bytes.Buffer
			capture := func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got.WriteString(r.Method + " " + r.URL.Path + "\n")
				for _, h := range []string{"Accept", "Authorization", "Content-Type"} {
					got.WriteString(h + ": " + r.Header.Get(h) + "\n")
				}
				got.WriteString("\n")
				got.Write(body)
				got.WriteString("\n")
				if r.URL.Path == "/introspect" {
					writeJSON(w, 200, map[string]any{"active": false})
					return
				}
				writeJSON(w, 200, map[string]any{"access_token": "x", "token_type": "Bearer"})
			}
			srv.Config.Handler = http.HandlerFunc(capture)
			cfg := srv.config()
			cfg.ClientID, cfg.ClientSecret = "s6BhdRkqt3", "gX1fBat3bV"
			cfg.Scopes = []string{"read", "write"}
			if err := tt.run(newClient(t, cfg)); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if !bytes.Contains(got.Bytes(), []byte("Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW\n")) {
				t.Error("Authorization header differs from RFC 6749 §4.1.3")
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("request =\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}
