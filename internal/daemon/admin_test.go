package daemon

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// admin runs grantry commands against one memory store.
type admin struct {
	t     *testing.T
	store *memstore.Store
}

func newAdmin(t *testing.T) *admin {
	a := &admin{t: t, store: memstore.New()}
	old := openStore
	openStore = func(context.Context, string, string) (*backend, error) { return memoryBackend(a.store), nil }
	t.Cleanup(func() { openStore = old })
	return a
}

// run runs a command and returns its exit status, stdout and stderr.
func (a *admin) run(stdin string, args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut, envOf(nil))
	return code, out.String(), errOut.String()
}

func (a *admin) mustRun(stdin string, args ...string) string {
	a.t.Helper()
	code, out, errOut := a.run(stdin, args...)
	if code != 0 {
		a.t.Fatalf("grantry %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
	}
	return out
}

// checkSecret reports whether s is the secret of the client, which has
// one.
func checkSecret(c *storage.Client, s string) bool {
	return c.SecretHash != "" && secret.Verify(c.SecretHash, s)
}

func TestClientCommands(t *testing.T) {
	a := newAdmin(t)
	out := a.mustRun("", "client", "create", "--id", "web", "--name", "Web", "--redirect-uri", "https://app.example/cb", "--scope", "profile email", "--json")
	var created clientJSON
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("client create --json printed %q: %v", out, err)
	}
	if created.ClientID != "web" || len(created.ClientSecret) != 43 || created.TokenEndpointAuthMethod != "client_secret_basic" ||
		strings.Join(created.GrantTypes, ",") != "authorization_code,refresh_token" || strings.Join(created.ResponseTypes, ",") != "code" {
		t.Errorf("created client = %+v", created)
	}
	stored, err := a.store.GetClient(t.Context(), "web")
	if err != nil || !checkSecret(stored, created.ClientSecret) || strings.Contains(stored.SecretHash, created.ClientSecret) {
		t.Fatalf("stored client %v, %v: want the secret stored as a hash", stored, err)
	}

	if out := a.mustRun("", "client", "show", "web"); strings.Contains(out, created.ClientSecret) || !strings.Contains(out, "https://app.example/cb") {
		t.Errorf("client show printed %q: want the client without its secret", out)
	}
	if out := a.mustRun("", "client", "list"); !strings.Contains(out, "web") || !strings.Contains(out, "CLIENT_ID") {
		t.Errorf("client list printed %q", out)
	}

	out = a.mustRun("", "client", "rotate-secret", "web", "--json")
	var rotated clientJSON
	_ = json.Unmarshal([]byte(out), &rotated)
	stored, _ = a.store.GetClient(t.Context(), "web")
	if rotated.ClientSecret == "" || rotated.ClientSecret == created.ClientSecret || !checkSecret(stored, rotated.ClientSecret) || checkSecret(stored, created.ClientSecret) {
		t.Errorf("rotate-secret: the new secret must work and the old one must not")
	}

	a.mustRun("", "client", "delete", "web")
	if _, err := a.store.GetClient(t.Context(), "web"); err == nil {
		t.Error("client delete left the client")
	}
}

func TestClientCreateRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"http redirect off loopback", []string{"--redirect-uri", "http://app.example/cb"}, "http is allowed only on a loopback host"},
		{"fragment", []string{"--redirect-uri", "https://app.example/cb#x"}, "without fragment"},
		{"user information", []string{"--redirect-uri", "https://u@app.example/cb"}, "has user information"},
		{"https without host", []string{"--redirect-uri", "https:///cb"}, "names no host"},
		{"relative", []string{"--redirect-uri", "/cb"}, "absolute"},
		{"javascript", []string{"--redirect-uri", "javascript:alert(1)"}, "not allowed"},
		{"no redirect for code", nil, "--redirect-uri is required"},
		{"public client credentials", []string{"--public", "--grants", "client_credentials"}, "public client may not use"},
		{"unknown grant", []string{"--grants", "magic"}, "unknown grant type"},
		{"bad auth method", []string{"--auth-method", "tls_client_auth", "--redirect-uri", "https://a.example/cb"}, "--auth-method"},
		{"private_key_jwt without keys", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials"}, "needs the client's public keys"},
		{"private_key_jwt with two key sources", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials", "--jwks-uri", "https://a.example/jwks", "--jwks-file", "x.json"}, "exclude each other"},
		{"private_key_jwt jwks_uri over http", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials", "--jwks-uri", "http://a.example/jwks"}, "only on a loopback host"},
		{"private_key_jwt with HS256", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials", "--jwks-uri", "https://a.example/jwks", "--token-endpoint-auth-alg", "HS256"}, "private_key_jwt takes one of"},
		{"client_secret_jwt with ES256", []string{"--auth-method", "client_secret_jwt", "--grants", "client_credentials", "--token-endpoint-auth-alg", "ES256"}, "client_secret_jwt takes HS256"},
		{"alg for basic", []string{"--grants", "client_credentials", "--token-endpoint-auth-alg", "HS256"}, "only for private_key_jwt and client_secret_jwt"},
		{"alg none", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials", "--jwks-uri", "https://a.example/jwks", "--token-endpoint-auth-alg", "none"}, "private_key_jwt takes one of"},
		{"jwks file missing", []string{"--auth-method", "private_key_jwt", "--grants", "client_credentials", "--jwks-file", "/nonexistent/jwks.json"}, "--jwks-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			code, _, errOut := a.run("", append([]string{"client", "create"}, tt.args...)...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, tt.want)
			}
			if list, _ := a.store.ListClients(t.Context()); len(list) != 0 {
				t.Errorf("a refused client was stored: %v", list)
			}
		})
	}
}

func TestPublicClientHasNoSecret(t *testing.T) {
	a := newAdmin(t)
	out := a.mustRun("", "client", "create", "--public", "--redirect-uri", "http://127.0.0.1/cb", "--json")
	var c clientJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.ClientSecret != "" || c.TokenEndpointAuthMethod != "none" || len(c.ClientID) < 20 {
		t.Errorf("public client = %+v (%v): want a random ID, no secret, auth method none", c, err)
	}
	if code, _, errOut := a.run("", "client", "rotate-secret", c.ClientID); code != 1 || !strings.Contains(errOut, "public") {
		t.Errorf("rotate-secret of a public client: exit %d, %q; want 1", code, errOut)
	}
}

func TestUserCommands(t *testing.T) {
	a := newAdmin(t)
	out := a.mustRun("s3cret-passw0rd\n", "user", "create", "bob", "--json")
	var u userJSON
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Username != "bob" || u.ID == "" {
		t.Fatalf("user create --json printed %q (%v)", out, err)
	}
	stored, err := a.store.UserByName(t.Context(), "bob")
	if err != nil || !strings.HasPrefix(stored.PasswordHash, "argon2id$") || !secret.Verify(stored.PasswordHash, "s3cret-passw0rd") {
		t.Fatalf("stored user %+v, %v: want an argon2id hash of the password", stored, err)
	}
	if out := a.mustRun("", "user", "list"); !strings.Contains(out, "bob") || strings.Contains(out, "argon2id") {
		t.Errorf("user list printed %q: want the user, never the hash", out)
	}
	a.mustRun("an0ther-passw0rd\r\n", "user", "set-password", "bob")
	stored, _ = a.store.UserByName(t.Context(), "bob")
	if !secret.Verify(stored.PasswordHash, "an0ther-passw0rd") {
		t.Error("set-password did not set the password read from stdin")
	}
	for _, tt := range []struct{ name, pw, want string }{
		{"short", "x", "at least 10"},
		{"nine characters", "ünïcödé9x", "at least 10"},
		{"common", "Password123", "most common"},
		{"one character repeated", "zzzzzzzzzzzz", "most common"},
	} {
		if code, _, errOut := a.run(tt.pw+"\n", "user", "create", "dave"); code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s password: exit %d, %q; want 1 and %q", tt.name, code, errOut, tt.want)
		}
	}
	if code, _, errOut := a.run("long-enough-pw\n", "user", "create", "bob"); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("duplicate user: exit %d, %q", code, errOut)
	}
	if code, _, errOut := a.run("", "user", "create", "carol"); code != 1 || !strings.Contains(errOut, "no password") {
		t.Errorf("no password on stdin: exit %d, %q", code, errOut)
	}
	if code, _, _ := a.run("long-enough-pw\n", "user", "create", "bad name"); code != 1 {
		t.Errorf("user name with a space: exit %d, want 1", code)
	}
	a.mustRun("", "user", "delete", "bob")
	if code, _, errOut := a.run("", "user", "delete", "bob"); code != 1 || !strings.Contains(errOut, `no user "bob"`) {
		t.Errorf("deleting a deleted user: exit %d, %q", code, errOut)
	}
}

func TestUsage(t *testing.T) {
	a := newAdmin(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"no command", nil, 2, "usage: grantry COMMAND"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"help", []string{"help"}, 0, "GRANTRY_"},
		{"serve help", []string{"serve", "-h"}, 0, "-addr"},
		{"unknown subcommand", []string{"client", "frob"}, 2, "unknown subcommand"},
		{"client help", []string{"client", "-h"}, 0, "rotate-secret"},
		{"user help", []string{"user", "--help"}, 0, "set-password"},
		{"session help", []string{"session", "help"}, 0, "revoke"},
		{"session revoke help", []string{"session", "revoke", "-h"}, 0, "-user USERNAME"},
		{"user help lists show", []string{"user", "-h"}, 0, "print a user's OpenID Connect claims as JSON"},
		{"user help lists update", []string{"user", "-h"}, 0, "set or clear a user's OpenID Connect claims"},
		{"user create help lists claims", []string{"user", "create", "-h"}, 0, "-phone-number-verified"},
		{"user update help lists claims", []string{"user", "update", "-h"}, 0, "-address-postal-code"},
		{"user show without user", []string{"user", "show"}, 2, "want 1 argument"},
		{"client without subcommand", []string{"client"}, 2, "usage: grantry client SUBCOMMAND"},
		{"missing argument", []string{"client", "show"}, 2, "want 1 argument"},
		{"unknown flag", []string{"user", "list", "--nope"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := a.run("", tt.args...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.wantOut) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out+errOut, tt.wantCode, tt.wantOut)
			}
		})
	}
}

// seedSessions stores sessions of alice (two live, one expired) and bob
// (one live) in the admin's store and returns alice's newest.
func (a *admin) seedSessions() *storage.Session {
	a.t.Helper()
	ctx := a.t.Context()
	for _, name := range []string{"alice", "bob"} {
		u := &storage.User{ID: "id-" + name, Username: name, PasswordHash: secret.HashSecret("pw"), CreatedAt: time.Now()}
		if err := a.store.CreateUser(ctx, u); err != nil {
			a.t.Fatal(err)
		}
	}
	now := time.Now()
	seeds := []*storage.Session{
		{ID: "sid-alice-old", Subject: "id-alice", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(time.Hour), Clients: []string{"web", "cli"}},
		{ID: "sid-alice-expired", Subject: "id-alice", CreatedAt: now.Add(-20 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
		{ID: "sid-bob", Subject: "id-bob", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)},
		{ID: "sid-alice-new", Subject: "id-alice", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	}
	for _, s := range seeds {
		s.Hash, s.AuthTime = secret.Digest("token-"+s.ID), s.CreatedAt
		if err := a.store.CreateSession(ctx, s); err != nil {
			a.t.Fatal(err)
		}
	}
	return seeds[3]
}

func (a *admin) sessionIDs() []string {
	a.t.Helper()
	list, err := a.store.ListSessions(a.t.Context(), "")
	if err != nil {
		a.t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestSessionList(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"sid-alice-new", "sid-bob", "sid-alice-old"}},
		{"of one user", []string{"--user", "alice"}, []string{"sid-alice-new", "sid-alice-old"}},
		{"of a user without sessions", []string{"--user", "carol"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			a.seedSessions()
			if err := a.store.CreateUser(t.Context(), &storage.User{ID: "id-carol", Username: "carol", PasswordHash: secret.HashSecret("pw")}); err != nil {
				t.Fatal(err)
			}
			var list []sessionJSON
			out := a.mustRun("", append([]string{"session", "list", "--json"}, tt.args...)...)
			if err := json.Unmarshal([]byte(out), &list); err != nil {
				t.Fatalf("session list --json printed %q: %v", out, err)
			}
			got := []string{}
			for _, s := range list {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("session list: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionListTable(t *testing.T) {
	a := newAdmin(t)
	a.seedSessions()
	out := a.mustRun("", "session", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "SIGNED IN") {
		t.Fatalf("session list printed %q: want a heading and three sessions", out)
	}
	old := lines[3]
	for _, want := range []string{"sid-alice-old", "alice", "web,cli"} {
		if !strings.Contains(old, want) {
			t.Errorf("session line %q lacks %q", old, want)
		}
	}
	if strings.Contains(out, secret.Digest("token-sid-alice-old")) || strings.Contains(out, "expired") {
		t.Errorf("session list printed %q: want neither a stored hash nor the expired session", out)
	}
}

func TestSessionRevoke(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantLeft []string
	}{
		{"one session", []string{"sid-alice-old"}, 0, "revoked session sid-alice-old of alice", []string{"sid-alice-new", "sid-bob", "sid-alice-expired"}},
		{"of a user", []string{"--user", "alice"}, 0, "revoked 3 session(s) of alice", []string{"sid-bob"}},
		{"unknown session", []string{"sid-nobody"}, 1, `no session "sid-nobody"`, nil},
		{"unknown user", []string{"--user", "nobody"}, 1, `no user "nobody"`, nil},
		{"neither", nil, 2, "give one session ID or --user USERNAME", nil},
		{"both", []string{"--user", "alice", "sid-bob"}, 2, "give one session ID or --user USERNAME", nil},
		{"two IDs", []string{"sid-bob", "sid-alice-old"}, 2, "give one session ID or --user USERNAME", nil},
	}
	all := []string{"sid-alice-new", "sid-bob", "sid-alice-old", "sid-alice-expired"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmin(t)
			a.seedSessions()
			code, out, errOut := a.run("", append([]string{"session", "revoke"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.wantOut) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out+errOut, tt.wantCode, tt.wantOut)
			}
			want := tt.wantLeft
			if want == nil {
				want = all
			}
			if got := a.sessionIDs(); !slices.Equal(got, want) {
				t.Errorf("sessions left: got %q, want %q", got, want)
			}
		})
	}
}
