package grantry_test

import (
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/grantry/grantry"

// importRules lists, per package pattern, the packages it may import
// besides the standard library: module packages relative to the module
// root ("." is the root package, "x/..." a subtree) and third-party module
// paths. The first pattern that matches a package applies. It keeps the
// package map of the design true: the core never imports a grant, an
// endpoint or a backend, and the resource protector never imports the
// server or storage.
var importRules = []struct {
	pkg     string
	allowed []string
}{
	{".", nil},
	{"internal/form", nil},
	{"internal/origin", nil},
	// golden serves tests only.
	{"internal/golden", nil},
	// pgtest serves tests only: a PostgreSQL schema per test.
	{"internal/pgtest", []string{"github.com/jackc/pgx/v5"}},
	{"secret", []string{"golang.org/x/crypto"}},
	// keyset.Manager keeps the server's signing keys in a
	// storage.SigningKeyStore.
	{"keyset", []string{".", "storage", "internal/origin", "github.com/go-jose/go-jose/v4"}},
	{"storage", []string{".", "secret"}},
	{"storage/storagetest", []string{".", "storage", "secret"}},
	{"storage/memstore", []string{".", "storage"}},
	// The group commit on PostgreSQL sends its batches through pgx
	// itself, under database/sql's connection (pgbatch.go).
	{"storage/sqlstore", []string{".", "storage", "github.com/jackc/pgx/v5"}},
	{"storage/redisstore", []string{".", "storage", "secret", "github.com/redis/go-redis/v9"}},
	{"accesstoken", []string{".", "keyset", "storage", "secret"}},
	// DPoP proofs (RFC 9449) are checked by the server and the resource
	// protector and signed by the client alike.
	{"dpop", []string{".", "keyset", "secret"}},
	{"authserver", []string{".", "dpop", "keyset", "storage", "secret", "internal/form", "internal/origin"}},
	// The JWT bearer grant verifies JWTs of other issuers with their keys.
	{"grant/jwtbearer", []string{".", "authserver", "keyset", "storage"}},
	// Token exchange verifies the JWTs and ID tokens it is given.
	{"grant/tokenexchange", []string{".", "authserver", "storage", "secret", "keyset"}},
	{"grant/...", []string{".", "authserver", "storage", "secret"}},
	{"pkce", []string{".", "authserver"}},
	{"openid", []string{".", "authserver", "bearer", "keyset", "secret", "storage"}},
	// Registration issues secrets and tokens, parses the jwks a client
	// registers, verifies software statements and checks the URLs keys
	// and logout tokens travel to.
	{"endpoint/registration", []string{".", "authserver", "storage", "secret", "keyset", "internal/origin"}},
	{"endpoint/...", []string{".", "authserver", "storage", "secret"}},
	{"bearer", []string{".", "dpop", "internal/origin"}},
	{"client/oauth1", []string{"internal/origin"}},
	{"client/oauth2", []string{".", "dpop", "keyset", "internal/origin", "golang.org/x/oauth2"}},
	{"client/oidc", []string{".", "client/oauth2", "keyset", "internal/origin"}},
	{"client", []string{".", "client/...", "keyset", "internal/origin"}},
	{"authtest", []string{".", "authserver", "accesstoken", "bearer", "endpoint/...", "grant/...", "keyset", "openid", "pkce", "secret", "storage", "storage/memstore"}},
	{"internal/daemon", []string{"*"}},
	{"cmd/...", []string{"internal/daemon"}},
	// The servers scripts/bench-peers measures: a hand-written endpoint
	// of the standard library only, and the library on the memory store.
	{"scripts/peers/baseline", nil},
	{"scripts/peers/library", []string{".", "authserver", "grant/...", "secret", "storage", "storage/memstore"}},
}

// TestImportRulesExist keeps the rules to packages that exist: a rule for
// a package not written yet would allow imports nobody has reviewed.
func TestImportRulesExist(t *testing.T) {
	out, err := exec.Command("go", "list", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := strings.Fields(string(out))
	for _, r := range importRules {
		found := false
		for _, p := range pkgs {
			found = found || matches(r.pkg, relative(p))
		}
		if !found {
			t.Errorf("rule for %s: no such package", r.pkg)
		}
	}
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := relative(fields[0])
		allowed, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("package %s has no import rule: add it to importRules", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !mayImport(imp, allowed) {
				t.Errorf("package %s imports %s, which its rule does not allow", pkg, imp)
			}
		}
	}
}

func relative(p string) string {
	if p == module {
		return "."
	}
	return strings.TrimPrefix(p, module+"/")
}

func rulesFor(pkg string) ([]string, bool) {
	for _, r := range importRules {
		if matches(r.pkg, pkg) {
			return r.allowed, true
		}
	}
	return nil, false
}

func matches(pattern, pkg string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
	}
	return pattern == pkg
}

func mayImport(imp string, allowed []string) bool {
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	inModule := imp == module || strings.HasPrefix(imp, module+"/")
	for _, a := range allowed {
		switch {
		case a == "*":
			return true
		case inModule && matches(a, relative(imp)):
			return true
		case !inModule && (imp == a || strings.HasPrefix(imp, a+"/")):
			return true
		}
	}
	return false
}

func TestImportRuleMatching(t *testing.T) {
	tests := []struct {
		imp     string
		allowed []string
		want    bool
	}{
		{"net/http", nil, true},
		{module, []string{"."}, true},
		{module + "/storage", []string{"."}, false},
		{module + "/internal/form", []string{"internal/..."}, true},
		{module + "/internalx", []string{"internal/..."}, false},
		{"golang.org/x/crypto/argon2", []string{"golang.org/x/crypto"}, true},
		{"golang.org/x/cryptography", []string{"golang.org/x/crypto"}, false},
		{"github.com/go-jose/go-jose/v4/cryptosigner", []string{"github.com/go-jose/go-jose/v4"}, true},
		{"example.com/anything", []string{"*"}, true},
	}
	for _, tc := range tests {
		t.Run(path.Base(tc.imp), func(t *testing.T) {
			if got := mayImport(tc.imp, tc.allowed); got != tc.want {
				t.Errorf("mayImport(%q, %q) = %v, want %v", tc.imp, tc.allowed, got, tc.want)
			}
		})
	}
}
