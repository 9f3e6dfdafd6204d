package daemon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry/storage"
)

// sectorServer serves at /sector.json a sector identifier document listing
// https://a.example/cb and https://b.example/cb, and makes the client
// commands trust it. It returns the document's URL.
func sectorServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sector.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`["https://a.example/cb", "https://b.example/cb"]`))
	}))
	t.Cleanup(srv.Close)
	old := sectorHTTPClient
	sectorHTTPClient = srv.Client()
	t.Cleanup(func() { sectorHTTPClient = old })
	return srv.URL + "/sector.json"
}

// metaDiff returns the differences between the metadata of got and want.
func metaDiff(got, want *storage.Client) []string {
	var d []string
	add := func(field string, g, w any) {
		d = append(d, field+": got "+jsonString(g)+", want "+jsonString(w))
	}
	if got.IDTokenSignedResponseAlg != want.IDTokenSignedResponseAlg {
		add("IDTokenSignedResponseAlg", got.IDTokenSignedResponseAlg, want.IDTokenSignedResponseAlg)
	}
	if got.SubjectType != want.SubjectType {
		add("SubjectType", got.SubjectType, want.SubjectType)
	}
	if got.SectorIdentifierURI != want.SectorIdentifierURI {
		add("SectorIdentifierURI", got.SectorIdentifierURI, want.SectorIdentifierURI)
	}
	if !slices.Equal(got.PostLogoutRedirectURIs, want.PostLogoutRedirectURIs) {
		add("PostLogoutRedirectURIs", got.PostLogoutRedirectURIs, want.PostLogoutRedirectURIs)
	}
	if got.BackchannelLogoutURI != want.BackchannelLogoutURI {
		add("BackchannelLogoutURI", got.BackchannelLogoutURI, want.BackchannelLogoutURI)
	}
	if got.BackchannelLogoutSessionRequired != want.BackchannelLogoutSessionRequired {
		add("BackchannelLogoutSessionRequired", got.BackchannelLogoutSessionRequired, want.BackchannelLogoutSessionRequired)
	}
	return d
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestClientCreateMetadata(t *testing.T) {
	sector := sectorServer(t)
	tests := []struct {
		name string
		args []string
		want storage.Client
	}{
		{"none", nil, storage.Client{}},
		{"every flag", []string{"--id-token-alg", "ES384", "--subject-type", "pairwise", "--sector-identifier-uri", sector,
			"--redirect-uri", "https://b.example/cb", "--post-logout-redirect-uri", "https://a.example/bye",
			"--post-logout-redirect-uri", "http://127.0.0.1:8080/bye?x=1", "--backchannel-logout-uri", "https://a.example/bcl?tenant=1",
			"--backchannel-logout-session-required"},
			storage.Client{IDTokenSignedResponseAlg: "ES384", SubjectType: "pairwise", SectorIdentifierURI: sector,
				PostLogoutRedirectURIs: []string{"https://a.example/bye", "http://127.0.0.1:8080/bye?x=1"},
				BackchannelLogoutURI:   "https://a.example/bcl?tenant=1", BackchannelLogoutSessionRequired: true}},
		{"EdDSA", []string{"--id-token-alg", "EdDSA"}, storage.Client{IDTokenSignedResponseAlg: "EdDSA"}},
		{"public subject", []string{"--subject-type", "public"}, storage.Client{SubjectType: "public"}},
		{"pairwise on one host", []string{"--subject-type", "pairwise", "--redirect-uri", "https://a.example/other"},
			storage.Client{SubjectType: "pairwise"}},
		{"loopback backchannel", []string{"--backchannel-logout-uri", "http://localhost:9000/bcl"},
			storage.Client{BackchannelLogoutURI: "http://localhost:9000/bcl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			args := append([]string{"client", "create", "--id", "web", "--redirect-uri", "https://a.example/cb"}, tt.args...)
			a.mustRun("", args...)
			stored, err := a.store.GetClient(t.Context(), "web")
			if err != nil {
				t.Fatalf("GetClient: got error %v, want nil", err)
			}
			for _, d := range metaDiff(stored, &tt.want) {
				t.Errorf("stored client: %s", d)
			}
		})
	}
}

func TestClientMetadataRefusals(t *testing.T) {
	sector := sectorServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"alg none", []string{"--id-token-alg", "none"}, "--id-token-alg none: ID tokens must be signed"},
		{"alg None", []string{"--id-token-alg", "None"}, "ID tokens must be signed"},
		{"symmetric alg", []string{"--id-token-alg", "HS256"}, `--id-token-alg "HS256": want one of RS256`},
		{"unknown alg", []string{"--id-token-alg", "ES999"}, "want one of"},
		{"alg in lower case", []string{"--id-token-alg", "es256"}, "want one of"},
		{"subject type", []string{"--subject-type", "secret"}, `--subject-type "secret": want public or pairwise`},
		{"pairwise across hosts", []string{"--subject-type", "pairwise", "--redirect-uri", "https://b.example/cb"},
			"several hosts: give --sector-identifier-uri"},
		{"post-logout http", []string{"--post-logout-redirect-uri", "http://a.example/bye"},
			`--post-logout-redirect-uri "http://a.example/bye" must use https (http is allowed only on a loopback host)`},
		{"post-logout fragment", []string{"--post-logout-redirect-uri", "https://a.example/bye#x"}, "without fragment"},
		{"post-logout relative", []string{"--post-logout-redirect-uri", "/bye"}, "absolute"},
		{"post-logout javascript", []string{"--post-logout-redirect-uri", "javascript:alert(1)"}, "not allowed"},
		{"backchannel http", []string{"--backchannel-logout-uri", "http://a.example/bcl"}, "--backchannel-logout-uri \"http://a.example/bcl\" must use https"},
		{"backchannel fragment", []string{"--backchannel-logout-uri", "https://a.example/bcl#x"}, "has a fragment"},
		{"backchannel private scheme", []string{"--backchannel-logout-uri", "com.example:/bcl"}, "--backchannel-logout-uri"},
		{"sector http", []string{"--sector-identifier-uri", "http://127.0.0.1/sector.json"}, "want an https URL"},
		{"sector misses a redirect URI", []string{"--sector-identifier-uri", sector, "--redirect-uri", "https://c.example/cb"},
			`does not list the redirect URI "https://c.example/cb"`},
		{"sector not found", []string{"--sector-identifier-uri", strings.Replace(sector, "sector.json", "nope", 1)}, "got HTTP status 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			args := append([]string{"client", "create", "--redirect-uri", "https://a.example/cb"}, tt.args...)
			code, _, errOut := a.run("", args...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tt.want)
			}
			if list, _ := a.store.ListClients(t.Context()); len(list) != 0 {
				t.Errorf("a refused client was stored: %v", list)
			}
		})
	}
}

// A pairwise client needs a redirect URI or a sector_identifier_uri to
// take its sector identifier from.
func TestPairwiseNeedsSector(t *testing.T) {
	a := newAdmin(t)
	code, _, errOut := a.run("", "client", "create", "--grants", "client_credentials", "--subject-type", "pairwise")
	if want := "--subject-type pairwise: the client has no redirect URI"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	if list, _ := a.store.ListClients(t.Context()); len(list) != 0 {
		t.Errorf("a refused client was stored: %v", list)
	}
}

func TestClientMetadataPrinted(t *testing.T) {
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "web", "--redirect-uri", "https://a.example/cb", "--id-token-alg", "PS256",
		"--subject-type", "pairwise", "--post-logout-redirect-uri", "https://a.example/bye",
		"--backchannel-logout-uri", "https://a.example/bcl", "--backchannel-logout-session-required")
	a.mustRun("", "client", "create", "--id", "plain", "--redirect-uri", "https://p.example/cb")
	var shown clientJSON
	if err := json.Unmarshal([]byte(a.mustRun("", "client", "show", "web", "--json")), &shown); err != nil {
		t.Fatalf("client show --json: %v", err)
	}
	want := clientMetaJSON{IDTokenAlg: "PS256", SubjectType: "pairwise", PostLogoutRedirectURIs: []string{"https://a.example/bye"},
		BackchannelLogoutURI: "https://a.example/bcl", BackchannelLogoutSessionRequired: true}
	if got := shown.clientMetaJSON; jsonString(got) != jsonString(want) {
		t.Errorf("client show --json metadata: got %s, want %s", jsonString(got), jsonString(want))
	}
	show := []struct {
		id   string
		want map[string]string
	}{
		{"web", map[string]string{"id_token_signed_response_alg": "PS256", "subject_type": "pairwise",
			"sector_identifier_uri": "-", "post_logout_redirect_uris": "https://a.example/bye",
			"backchannel_logout_uri": "https://a.example/bcl", "backchannel_logout_session_required": "true"}},
		{"plain", map[string]string{"id_token_signed_response_alg": "-", "subject_type": "public",
			"sector_identifier_uri": "-", "post_logout_redirect_uris": "-",
			"backchannel_logout_uri": "-", "backchannel_logout_session_required": "false"}},
	}
	for _, tt := range show {
		t.Run("show "+tt.id, func(t *testing.T) {
			got := showFields(a.mustRun("", "client", "show", tt.id))
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("client show %s: got %s %q, want %q", tt.id, k, got[k], w)
				}
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(a.mustRun("", "client", "list")), "\n")
		want := [][]string{
			{"CLIENT_ID", "NAME", "AUTH", "GRANTS", "RESPONSE_TYPES", "REDIRECT_URIS", "ID_TOKEN_ALG", "SUBJECT", "SECTOR_IDENTIFIER_URI",
				"POST_LOGOUT_REDIRECT_URIS", "BACKCHANNEL_LOGOUT_URI", "SID"},
			{"plain", "client_secret_basic", "authorization_code,refresh_token", "code", "https://p.example/cb", "-", "public", "-", "-", "-", "-"},
			{"web", "client_secret_basic", "authorization_code,refresh_token", "code", "https://a.example/cb", "PS256", "pairwise", "-",
				"https://a.example/bye", "https://a.example/bcl", "required"},
		}
		if len(lines) != len(want) {
			t.Fatalf("client list: got %d lines %q, want %d", len(lines), lines, len(want))
		}
		for i, w := range want {
			if got := strings.Fields(lines[i]); !slices.Equal(got, w) {
				t.Errorf("client list line %d: got %q, want %q", i, got, w)
			}
		}
	})
}

// showFields returns the values client show printed, by label.
func showFields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}
