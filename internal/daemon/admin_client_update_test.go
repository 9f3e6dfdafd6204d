package daemon

import (
	"strings"
	"testing"

	"github.com/grantry/grantry/storage"
)

// updatedAdmin returns an admin whose store holds the client "web", with
// the redirect URI https://a.example/cb and every metadata flag set.
func updatedAdmin(t *testing.T) *admin {
	t.Helper()
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "web", "--redirect-uri", "https://a.example/cb", "--id-token-alg", "ES256",
		"--subject-type", "pairwise", "--post-logout-redirect-uri", "https://a.example/bye",
		"--backchannel-logout-uri", "https://a.example/bcl", "--backchannel-logout-session-required")
	return a
}

// webMeta is the metadata updatedAdmin gives the client "web".
func webMeta() storage.Client {
	return storage.Client{IDTokenSignedResponseAlg: "ES256", SubjectType: "pairwise",
		PostLogoutRedirectURIs: []string{"https://a.example/bye"}, BackchannelLogoutURI: "https://a.example/bcl",
		BackchannelLogoutSessionRequired: true}
}

func TestClientUpdate(t *testing.T) {
	sector := sectorServer(t)
	tests := []struct {
		name string
		args []string
		edit func(c *storage.Client)
	}{
		{"alg", []string{"--id-token-alg", "RS256"}, func(c *storage.Client) { c.IDTokenSignedResponseAlg = "RS256" }},
		{"clear alg", []string{"--id-token-alg", ""}, func(c *storage.Client) { c.IDTokenSignedResponseAlg = "" }},
		{"public", []string{"--subject-type", "public"}, func(c *storage.Client) { c.SubjectType = "public" }},
		{"sector", []string{"--sector-identifier-uri", sector}, func(c *storage.Client) { c.SectorIdentifierURI = sector }},
		{"replace post-logout URIs", []string{"--post-logout-redirect-uri", "https://a.example/x", "--post-logout-redirect-uri", "http://[::1]/y"},
			func(c *storage.Client) { c.PostLogoutRedirectURIs = []string{"https://a.example/x", "http://[::1]/y"} }},
		{"clear post-logout URIs", []string{"--post-logout-redirect-uri", ""}, func(c *storage.Client) { c.PostLogoutRedirectURIs = nil }},
		{"backchannel", []string{"--backchannel-logout-uri", "https://a.example/bcl2?q=1"},
			func(c *storage.Client) { c.BackchannelLogoutURI = "https://a.example/bcl2?q=1" }},
		{"session not required", []string{"--backchannel-logout-session-required=false"},
			func(c *storage.Client) { c.BackchannelLogoutSessionRequired = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := updatedAdmin(t)
			before, _ := a.store.GetClient(t.Context(), "web")
			a.mustRun("", append([]string{"client", "update", "web"}, tt.args...)...)
			got, err := a.store.GetClient(t.Context(), "web")
			if err != nil {
				t.Fatalf("GetClient: got error %v, want nil", err)
			}
			want := webMeta()
			tt.edit(&want)
			for _, d := range metaDiff(got, &want) {
				t.Errorf("updated client: %s", d)
			}
			if got.SecretHash != before.SecretHash || got.UpdatedAt.Before(before.UpdatedAt) {
				t.Errorf("update: got secret hash %q and UpdatedAt %v, want the secret kept and UpdatedAt not before %v",
					got.SecretHash, got.UpdatedAt, before.UpdatedAt)
			}
		})
	}
}

func TestClientUpdateRefusals(t *testing.T) {
	sector := sectorServer(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"unknown client", []string{"ghost", "--id-token-alg", "RS256"}, 1, `no client "ghost"`},
		{"nothing to change", []string{"web"}, 1, "nothing to change"},
		{"only --json", []string{"web", "--json"}, 1, "nothing to change"},
		{"no client", []string{"--id-token-alg", "RS256"}, 2, "want 1 argument"},
		{"alg none", []string{"web", "--id-token-alg", "none"}, 1, "ID tokens must be signed"},
		{"subject type", []string{"web", "--subject-type", "both"}, 1, "want public or pairwise"},
		{"post-logout http", []string{"web", "--post-logout-redirect-uri", "http://a.example/bye"}, 1, "must use https"},
		{"backchannel fragment", []string{"web", "--backchannel-logout-uri", "https://a.example/bcl#f"}, 1, "has a fragment"},
		{"sector not found", []string{"web", "--sector-identifier-uri", strings.Replace(sector, "sector.json", "nope", 1)}, 1, "got HTTP status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := updatedAdmin(t)
			code, _, errOut := a.run("", append([]string{"client", "update"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.wantCode, tt.want)
			}
			got, _ := a.store.GetClient(t.Context(), "web")
			want := webMeta()
			for _, d := range metaDiff(got, &want) {
				t.Errorf("a refused update changed the client: %s", d)
			}
		})
	}
}

// A client whose redirect URIs span several hosts becomes pairwise only
// with a sector_identifier_uri that lists them.
func TestClientUpdatePairwiseHosts(t *testing.T) {
	sector := sectorServer(t)
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "two", "--redirect-uri", "https://a.example/cb", "--redirect-uri", "https://b.example/cb")
	code, _, errOut := a.run("", "client", "update", "two", "--subject-type", "pairwise")
	if want := "several hosts: give --sector-identifier-uri"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("pairwise without sector: exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	if c, _ := a.store.GetClient(t.Context(), "two"); c.SubjectType != "" {
		t.Errorf("refused update: got subject type %q, want it unchanged", c.SubjectType)
	}
	a.mustRun("", "client", "update", "two", "--subject-type", "pairwise", "--sector-identifier-uri", sector)
	if c, _ := a.store.GetClient(t.Context(), "two"); c.SubjectType != "pairwise" || c.SectorIdentifierURI != sector {
		t.Errorf("pairwise with sector: got (%q, %q), want (pairwise, %q)", c.SubjectType, c.SectorIdentifierURI, sector)
	}
}
