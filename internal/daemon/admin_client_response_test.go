package daemon

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// The response types a client is given, by whether its grants include
// authorization_code and implicit (RFC 7591 §2.1).
var (
	codeResponses     = []string{"code"}
	implicitResponses = []string{"token", "id_token", "id_token token"}
	bothResponses     = []string{"code", "token", "id_token", "id_token token", "code id_token", "code token", "code id_token token"}
)

func TestClientResponseTypes(t *testing.T) {
	tests := []struct {
		name   string
		grants string
		public bool
		want   []string
	}{
		{"code", "authorization_code", false, codeResponses},
		{"code and refresh", "authorization_code,refresh_token", false, codeResponses},
		{"implicit", "implicit", false, implicitResponses},
		{"public implicit", "implicit", true, implicitResponses},
		{"both", "authorization_code,implicit", false, bothResponses},
		{"both reversed", "implicit,authorization_code", false, bothResponses},
		{"both public", "implicit,refresh_token,authorization_code", true, bothResponses},
		{"duplicates", "implicit,authorization_code,implicit,authorization_code", false, bothResponses},
		{"every grant", "password,implicit,client_credentials,refresh_token,authorization_code", false, bothResponses},
		{"client credentials", "client_credentials", false, nil},
		{"password and refresh", "password,refresh_token", false, nil},
		{"refresh only", "refresh_token", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			args := []string{"client", "create", "--id", "app", "--grants", tt.grants, "--redirect-uri", "https://app.example/cb", "--json"}
			if tt.public {
				args = append(args, "--public")
			}
			var created clientJSON
			if err := json.Unmarshal([]byte(a.mustRun("", args...)), &created); err != nil {
				t.Fatalf("client create --json: %v", err)
			}
			if !slices.Equal(created.ResponseTypes, tt.want) {
				t.Errorf("client create --grants %s: got response_types %q, want %q", tt.grants, created.ResponseTypes, tt.want)
			}
			stored, err := a.store.GetClient(t.Context(), "app")
			if err != nil {
				t.Fatalf("GetClient: got error %v, want nil", err)
			}
			if got := responseStrings(stored.ResponseTypes); !slices.Equal(got, tt.want) {
				t.Errorf("stored client: got response types %q, want %q", got, tt.want)
			}
		})
	}
}

func responseStrings(list []grantry.ResponseType) []string {
	var out []string
	for _, rt := range list {
		out = append(out, string(rt))
	}
	return out
}

// TestResponseTypesEveryGrantSet gives setClientGrants every set of the
// supported grants, in two orders: the response types depend only on
// whether authorization_code and implicit are in the set.
func TestResponseTypesEveryGrantSet(t *testing.T) {
	for mask := range 1 << len(supportedGrants) {
		var grants []string
		for i, g := range supportedGrants {
			if mask&(1<<i) != 0 {
				grants = append(grants, string(g))
			}
		}
		want := wantResponses(grants)
		for _, order := range []string{"given", "reversed"} {
			list := slices.Clone(grants)
			if order == "reversed" {
				slices.Reverse(list)
			}
			t.Run(strings.Join(list, ",")+"/"+order, func(t *testing.T) {
				c := &storage.Client{AuthMethod: grantry.AuthClientSecretBasic}
				if err := setClientGrants(c, list); err != nil {
					t.Fatalf("setClientGrants(%q): got error %v, want nil", list, err)
				}
				if got := responseStrings(c.ResponseTypes); !slices.Equal(got, want) {
					t.Errorf("setClientGrants(%q): got response types %q, want %q", list, got, want)
				}
				if len(c.GrantTypes) != len(list) {
					t.Errorf("setClientGrants(%q): got grant types %q, want %d", list, c.GrantTypes, len(list))
				}
			})
		}
	}
}

// wantResponses picks the expected list by the two grants that matter.
func wantResponses(grants []string) []string {
	code := slices.Contains(grants, "authorization_code")
	implicit := slices.Contains(grants, "implicit")
	switch {
	case code && implicit:
		return bothResponses
	case code:
		return codeResponses
	case implicit:
		return implicitResponses
	}
	return nil
}

func TestClientResponseTypesPrinted(t *testing.T) {
	a := newAdmin(t)
	a.mustRun("", "client", "create", "--id", "both", "--grants", "implicit,authorization_code", "--redirect-uri", "https://b.example/cb")
	a.mustRun("", "client", "create", "--id", "code", "--redirect-uri", "https://c.example/cb")
	a.mustRun("", "client", "create", "--id", "implicit", "--grants", "implicit", "--redirect-uri", "https://i.example/cb")
	a.mustRun("", "client", "create", "--id", "machine", "--grants", "client_credentials")
	tests := []struct {
		id, show, cell string
	}{
		{"both", "code, token, id_token, id_token token, code id_token, code token, code id_token token",
			"code,token,id_token,id_token+token,code+id_token,code+token,code+id_token+token"},
		{"code", "code", "code"},
		{"implicit", "token, id_token, id_token token", "token,id_token,id_token+token"},
		{"machine", "", "-"},
	}
	cells := listCells(t, a.mustRun("", "client", "list"), "RESPONSE_TYPES")
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := showFields(a.mustRun("", "client", "show", tt.id))["response_types"]; got != tt.show {
				t.Errorf("client show %s: got response_types %q, want %q", tt.id, got, tt.show)
			}
			if got := cells[tt.id]; got != tt.cell {
				t.Errorf("client list: got RESPONSE_TYPES %q for %s, want %q", got, tt.id, tt.cell)
			}
		})
	}
}

// listCells returns the column named col of the client table, by client
// ID. The clients have no name, so that NAME is blank and col is one
// field further left than its header.
func listCells(t *testing.T, out, col string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	i := slices.Index(strings.Fields(lines[0]), col)
	if i < 1 {
		t.Fatalf("client list header %q: want a column %s", lines[0], col)
	}
	cells := map[string]string{}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < i {
			t.Fatalf("client list line %q: got %d fields, want more than %d", line, len(f), i-1)
		}
		cells[f[0]] = f[i-1]
	}
	return cells
}
