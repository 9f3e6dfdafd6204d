package daemon

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestClientUpdateNameAndRedirects checks that client update renames a
// client and replaces its redirect URIs, keeping the rest.
func TestClientUpdateNameAndRedirects(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantName  string
		redirects []string
	}{
		{"name", []string{"--name", "Renamed App"}, "Renamed App", []string{"https://a.example/cb"}},
		{"clear name", []string{"--name", ""}, "", []string{"https://a.example/cb"}},
		{"replace redirect URIs", []string{"--redirect-uri", "https://a.example/cb2", "--redirect-uri", "https://a.example/cb3"},
			"old name", []string{"https://a.example/cb2", "https://a.example/cb3"}},
		{"comma-separated loopback", []string{"--redirect-uri", "http://127.0.0.1:8000/cb,http://127.0.0.1:8001/cb"},
			"old name", []string{"http://127.0.0.1:8000/cb", "http://127.0.0.1:8001/cb"}},
		{"both", []string{"--name", "N", "--redirect-uri", "https://a.example/new"}, "N", []string{"https://a.example/new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := updatedAdmin(t)
			if err := renameStored(a, "old name"); err != nil {
				t.Fatal(err)
			}
			a.mustRun("", append([]string{"client", "update", "web"}, tt.args...)...)
			got, err := a.store.GetClient(t.Context(), "web")
			if err != nil {
				t.Fatalf("GetClient: got error %v, want nil", err)
			}
			if got.Name != tt.wantName || !slices.Equal(got.RedirectURIs, tt.redirects) {
				t.Errorf("updated client: got name %q, redirect URIs %q; want %q, %q", got.Name, got.RedirectURIs, tt.wantName, tt.redirects)
			}
			want := webMeta()
			for _, d := range metaDiff(got, &want) {
				t.Errorf("updated client: %s", d)
			}
		})
	}
}

// renameStored gives the stored client "web" a name.
func renameStored(a *admin, name string) error {
	c, err := a.store.GetClient(a.t.Context(), "web")
	if err != nil {
		return err
	}
	c.Name = name
	return a.store.UpdateClient(a.t.Context(), c)
}

// TestClientUpdateRedirectRefusals checks that redirect URIs are checked
// as by client create, and that a refused update changes nothing.
func TestClientUpdateRedirectRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"http on a public host", []string{"--redirect-uri", "http://a.example/cb"}, "must use https"},
		{"fragment", []string{"--redirect-uri", "https://a.example/cb#f"}, "without fragment"},
		{"relative", []string{"--redirect-uri", "/cb"}, "absolute URI"},
		{"javascript", []string{"--redirect-uri", "javascript:alert(1)"}, "scheme that is not allowed"},
		{"none left for the code grant", []string{"--redirect-uri", ""}, "needs at least one"},
		{"pairwise across hosts", []string{"--redirect-uri", "https://a.example/cb", "--redirect-uri", "https://b.example/cb"}, "several hosts"},
		{"bad URI with a good name", []string{"--name", "X", "--redirect-uri", "http://a.example/cb"}, "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := updatedAdmin(t)
			before, _ := a.store.GetClient(t.Context(), "web")
			code, _, errOut := a.run("", append([]string{"client", "update", "web"}, tt.args...)...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tt.want)
			}
			got, _ := a.store.GetClient(t.Context(), "web")
			if got.Name != before.Name || !slices.Equal(got.RedirectURIs, before.RedirectURIs) {
				t.Errorf("a refused update changed the client: got %q %q, want %q %q", got.Name, got.RedirectURIs, before.Name, before.RedirectURIs)
			}
		})
	}
}

// TestClientUpdateIgnoresEnvironment checks that a name or redirect URI
// in the environment, meant for client create, changes no client updated.
func TestClientUpdateIgnoresEnvironment(t *testing.T) {
	a := updatedAdmin(t)
	if err := renameStored(a, "old name"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GRANTRY_NAME": "From Env", "GRANTRY_REDIRECT_URI": "https://env.example/cb"}
	if code, _, errOut := a.runEnv(env, "client", "update", "web", "--id-token-alg", "RS256"); code != 0 {
		t.Fatalf("client update: exit %d, stderr %q", code, errOut)
	}
	got, _ := a.store.GetClient(t.Context(), "web")
	if got.Name != "old name" || !slices.Equal(got.RedirectURIs, []string{"https://a.example/cb"}) || got.IDTokenSignedResponseAlg != "RS256" {
		t.Errorf("updated client: got name %q, redirect URIs %q, alg %q; want the name and URIs kept, RS256",
			got.Name, got.RedirectURIs, got.IDTokenSignedResponseAlg)
	}
}

// TestClientUpdateRedirectsAtServer checks end to end that the running
// server honours the new redirect URI and name at once, and refuses the
// old URI.
func TestClientUpdateRedirectsAtServer(t *testing.T) {
	h, b := memoryHarness(t)
	const newCallback = "http://127.0.0.1:9/new-cb"
	adminOn(t, b, "client", "update", testClient, "--name", "Renamed App", "--redirect-uri", newCallback)
	c := h.browser()
	if r := h.get(c, authorizePath()); r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
		t.Errorf("old redirect URI: got %d to %q, want 400 without a redirect", r.status, r.header.Get("Location"))
	}
	r := h.get(c, authorizePath("redirect_uri", newCallback))
	if r.status != http.StatusSeeOther {
		t.Fatalf("new redirect URI: got status %d, want 303 to the sign-in page", r.status)
	}
	if login := h.get(c, r.header.Get("Location")); !strings.Contains(login.body, "Renamed App") {
		t.Errorf("sign-in page: want the new name, got\n%s", login.body)
	}
}
