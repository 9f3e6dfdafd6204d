package daemon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// jwksFile writes the JWK Set of a new key to a file and returns its path
// and the document.
func jwksFile(t *testing.T) (string, string) {
	t.Helper()
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := (&keyset.JWKS{Keys: []keyset.PublicKey{key.Public()}}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, string(doc)
}

func jarDiff(got, want *storage.Client) []string {
	var d []string
	check := func(field string, g, w any) {
		if g != w {
			d = append(d, field+": got "+jsonString(g)+", want "+jsonString(w))
		}
	}
	check("JWKS", got.JWKS, want.JWKS)
	check("JWKSURI", got.JWKSURI, want.JWKSURI)
	check("RequestObjectSigningAlg", got.RequestObjectSigningAlg, want.RequestObjectSigningAlg)
	check("RequireSignedRequestObject", got.RequireSignedRequestObject, want.RequireSignedRequestObject)
	check("RequirePushedAuthorizationRequests", got.RequirePushedAuthorizationRequests, want.RequirePushedAuthorizationRequests)
	return d
}

func TestClientCreateRequestPolicy(t *testing.T) {
	file, doc := jwksFile(t)
	tests := []struct {
		name string
		args []string
		want storage.Client
	}{
		{"none", nil, storage.Client{}},
		{"require PAR", []string{"--require-par"}, storage.Client{RequirePushedAuthorizationRequests: true}},
		{"every flag", []string{"--require-par", "--require-signed-request-object", "--request-object-alg", "PS256", "--jwks-file", file},
			storage.Client{JWKS: doc, RequestObjectSigningAlg: "PS256", RequireSignedRequestObject: true, RequirePushedAuthorizationRequests: true}},
		{"jwks_uri", []string{"--jwks-uri", "https://rp.example/jwks.json"}, storage.Client{JWKSURI: "https://rp.example/jwks.json"}},
		{"loopback jwks_uri", []string{"--jwks-uri", "http://127.0.0.1:8000/jwks"}, storage.Client{JWKSURI: "http://127.0.0.1:8000/jwks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			args := append([]string{"client", "create", "--id", "web", "--redirect-uri", "https://a.example/cb", "--json"}, tt.args...)
			out := a.mustRun("", args...)
			stored, err := a.store.GetClient(t.Context(), "web")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range jarDiff(stored, &tt.want) {
				t.Errorf("stored client: %s", d)
			}
			var printed map[string]any
			if err := json.Unmarshal([]byte(out), &printed); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if got, want := printed["require_pushed_authorization_requests"] == true, tt.want.RequirePushedAuthorizationRequests; got != want {
				t.Errorf("printed require_pushed_authorization_requests: got %v, want %v", got, want)
			}
			if got, want := printed["jwks"] != nil, tt.want.JWKS != ""; got != want {
				t.Errorf("printed jwks: got %v, want present %v", printed["jwks"], want)
			}
		})
	}
}

func TestClientRequestPolicyRefusals(t *testing.T) {
	file, _ := jwksFile(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"alg none", []string{"--request-object-alg", "none"}, `--request-object-alg "none": want one of`},
		{"symmetric alg", []string{"--request-object-alg", "HS256"}, `--request-object-alg "HS256"`},
		{"http jwks_uri", []string{"--jwks-uri", "http://rp.example/jwks"}, `--jwks-uri "http://rp.example/jwks" must use https`},
		{"both keys", []string{"--jwks-uri", "https://rp.example/jwks", "--jwks-file", file}, "exclude each other"},
		{"missing file", []string{"--jwks-file", filepath.Join(t.TempDir(), "nope.json")}, "--jwks-file"},
		{"secret key", []string{"--jwks-file", bad}, "--jwks-file"},
		{"signed without keys", []string{"--require-signed-request-object"}, "needs the client's keys"},
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
				t.Errorf("got %d clients stored, want none", len(list))
			}
		})
	}
}

func TestClientUpdateRequestPolicy(t *testing.T) {
	file, doc := jwksFile(t)
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "web", "--redirect-uri", "https://a.example/cb")
	steps := []struct {
		name string
		args []string
		want storage.Client
	}{
		{"keys and policies", []string{"--jwks-file", file, "--require-signed-request-object", "--require-par"},
			storage.Client{JWKS: doc, RequireSignedRequestObject: true, RequirePushedAuthorizationRequests: true}},
		{"keys by URI replace the set", []string{"--jwks-uri", "https://rp.example/jwks"},
			storage.Client{JWKSURI: "https://rp.example/jwks", RequireSignedRequestObject: true, RequirePushedAuthorizationRequests: true}},
		{"policies off", []string{"--require-signed-request-object=false", "--require-par=false"},
			storage.Client{JWKSURI: "https://rp.example/jwks"}},
		{"keys cleared", []string{"--jwks-uri", ""}, storage.Client{}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			a.mustRun("", append([]string{"client", "update", "web"}, st.args...)...)
			stored, err := a.store.GetClient(t.Context(), "web")
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range jarDiff(stored, &st.want) {
				t.Errorf("stored client: %s", d)
			}
		})
	}
	t.Run("show", func(t *testing.T) {
		a.mustRun("", "client", "update", "web", "--require-par")
		out := a.mustRun("", "client", "show", "web")
		for _, want := range []string{"keys:", "require_pushed_authorization_requests:  true", "require_signed_request_object:          false"} {
			if !strings.Contains(out, want) {
				t.Errorf("client show: got %q, want it to hold %q", out, want)
			}
		}
	})
	t.Run("signed without keys", func(t *testing.T) {
		code, _, errOut := a.run("", "client", "update", "web", "--require-signed-request-object")
		if code != 1 || !strings.Contains(errOut, "needs the client's keys") {
			t.Errorf("exit %d, stderr %q; want 1 and a refusal", code, errOut)
		}
	})
}
