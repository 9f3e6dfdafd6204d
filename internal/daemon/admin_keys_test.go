package daemon

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// runEnv runs a command with the environment variables env.
func (a *admin) runEnv(env map[string]string, args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut, envOf(env))
	return code, out.String(), errOut.String()
}

// listKeys runs grantry keys list --json and returns the keys by state.
func (a *admin) listKeys(env map[string]string) map[string][]keyJSON {
	a.t.Helper()
	code, out, errOut := a.runEnv(env, "keys", "list", "--json")
	if code != 0 {
		a.t.Fatalf("keys list: exit %d, stderr %q", code, errOut)
	}
	var list []keyJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		a.t.Fatalf("keys list --json printed %q: %v", out, err)
	}
	byState := map[string][]keyJSON{}
	for _, k := range list {
		byState[k.State] = append(byState[k.State], k)
	}
	return byState
}

func TestKeysCommands(t *testing.T) {
	a := newAdmin(t)
	env := map[string]string{kekEnv: testKEK}
	if got := a.listKeys(env); len(got) != 0 {
		t.Errorf("keys list of a new store: got %v, want none", got)
	}
	code, out, errOut := a.runEnv(env, "keys", "rotate")
	if code != 0 || strings.Count(out, "next ") != 2 || !strings.Contains(out, "ES256") || !strings.Contains(out, "RS256") {
		t.Fatalf("keys rotate: exit %d, stdout %q, stderr %q; want two next keys", code, out, errOut)
	}
	keys := a.listKeys(env)
	if len(keys["active"]) != 2 || len(keys["next"]) != 2 {
		t.Fatalf("keys list after rotate: got %v, want 2 active and 2 next", keys)
	}
	var es keyJSON
	for _, k := range keys["active"] {
		if k.Algorithm == "ES256" {
			es = k
		}
	}
	code, out, errOut = a.runEnv(env, "keys", "retire", es.ID)
	if code != 0 || !strings.Contains(out, "retired signing key "+es.ID) || !strings.Contains(out, "ES256 key ") {
		t.Fatalf("keys retire: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	keys = a.listKeys(env)
	if r := keys["retired"]; len(r) != 1 || r[0].ID != es.ID || r[0].RetiredAt == nil || r[0].ExpiresAt == nil {
		t.Errorf("retired keys: got %+v, want %s with its retirement and expiry times", r, es.ID)
	}
	if len(keys["active"]) != 2 || keys["active"][0].ID == es.ID || keys["active"][1].ID == es.ID {
		t.Errorf("active keys after retire: got %+v, want a new ES256 key and the RS256 key", keys["active"])
	}
	if _, out, _ := a.runEnv(env, "keys", "list"); !strings.Contains(out, "KID") || !strings.Contains(out, es.ID) || !strings.Contains(out, "retired") {
		t.Errorf("keys list printed %q, want a table holding %s retired", out, es.ID)
	}
}

func TestKeysCommandFailures(t *testing.T) {
	a := newAdmin(t)
	env := map[string]string{kekEnv: testKEK}
	if code, _, errOut := a.runEnv(env, "keys", "rotate"); code != 0 {
		t.Fatalf("keys rotate: exit %d, %q", code, errOut)
	}
	wrong := map[string]string{kekEnv: base64.RawURLEncoding.EncodeToString(make([]byte, 32))}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"retire unknown", env, []string{"retire", "ghost"}, 1, `no signing key "ghost"`},
		{"retire without KID", env, []string{"retire"}, 2, "want 1 argument"},
		{"list with a wrong key", wrong, []string{"list"}, 1, "cannot open the signing keys"},
		{"rotate with a wrong key", wrong, []string{"rotate"}, 1, "cannot open the signing keys"},
		{"list without key", nil, []string{"list"}, 1, "cannot open the signing keys"},
		{"malformed key", map[string]string{kekEnv: "short"}, []string{"list"}, 1, "must be 32 bytes"},
		{"help", env, []string{"-h"}, 0, "retire"},
		{"unknown subcommand", env, []string{"frob"}, 2, "unknown subcommand"},
		{"list help", env, []string{"list", "-h"}, 0, "-key-encryption-key-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(a.listKeys(env)["active"]) + len(a.listKeys(env)["next"])
			code, out, errOut := a.runEnv(tt.env, append([]string{"keys"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out+errOut, tt.wantCode, tt.want)
			}
			if after := len(a.listKeys(env)["active"]) + len(a.listKeys(env)["next"]); after != before {
				t.Errorf("keys: got %d active and next, want the %d before", after, before)
			}
		})
	}
}
