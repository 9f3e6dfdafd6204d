package grantry_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlocks are the Go blocks of README.md that must compile against
// the library as it is, each after the section heading that precedes it,
// with the imports and the application's own names it assumes.
var readmeBlocks = []struct {
	heading string
	imports []string
	assumes string
}{
	{
		heading: "## Library quick start",
		imports: []string{"context", "log", "net/http", "grantry", "authserver", "endpoint/revocation",
			"grant/authcode", "grant/clientcredentials", "grant/refresh", "pkce", "secret", "storage", "storage/memstore"},
		assumes: "ctx := context.Background()\ncurrentUser := func(*http.Request) string { return \"\" }\n",
	},
	{
		heading: "### Client registration",
		imports: []string{"log", "net/http", "grantry", "authserver", "endpoint/registration", "storage/memstore"},
		assumes: "store := memstore.New()\nsrv, _ := authserver.New(authserver.Config{Issuer: \"https://as.example\", Clients: store, Tokens: store})\nmux := http.NewServeMux()\n",
	},
	{
		heading: "### Device flow",
		imports: []string{"errors", "log", "net/http", "time", "authserver", "grant/devicecode", "storage/memstore"},
		assumes: "store := memstore.New()\nsrv, _ := authserver.New(authserver.Config{Issuer: \"https://as.example\", Clients: store, Tokens: store})\nmux := http.NewServeMux()\ncurrentUser := func(*http.Request) string { return \"\" }\n",
	},
	{
		heading: "### Protecting an API",
		imports: []string{"net/http", "accesstoken", "bearer", "storage/memstore"},
		assumes: "store := memstore.New()\nvar meHandler, mailHandler http.Handler\n",
	},
	{
		heading: "### JWT access tokens and resource indicators",
		imports: []string{"log", "net/http", "accesstoken", "authserver", "bearer", "keyset", "storage/memstore"},
		assumes: "store := memstore.New()\nkeys := &keyset.Set{}\nvar reportsHandler http.Handler\n",
	},
	{
		heading: "### Token exchange (RFC 8693)",
		imports: []string{"log", "authserver", "grant/tokenexchange", "keyset", "storage/memstore"},
		assumes: "store := memstore.New()\nsrv, _ := authserver.New(authserver.Config{Issuer: \"https://as.example\", Clients: store, Tokens: store})\n",
	},
}

// TestReadmeCompiles builds the README's library examples, so that they
// cannot drift from the API.
func TestReadmeCompiles(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(".", "_readme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	seen := map[string]bool{}
	for _, b := range readmeBlocks {
		for _, imp := range b.imports {
			if !seen[imp] {
				seen[imp] = true
				src.WriteString("\t" + importPath(imp) + "\n")
			}
		}
	}
	src.WriteString(")\n\nfunc main() {}\n")
	for i, b := range readmeBlocks {
		code, ok := goBlockAfter(string(readme), b.heading)
		if !ok {
			t.Fatalf("README.md: no Go block after %q", b.heading)
		}
		src.WriteString("\nfunc block" + string(rune('A'+i)) + "() {\n" + b.assumes + code + "\n}\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "vet", "./"+filepath.Base(dir)).CombinedOutput()
	if err != nil {
		t.Errorf("README.md examples do not compile:\n%s\n%s", out, src.String())
	}
}

// importPath quotes an import: a standard library package as it is, a
// package of this module relative to the module ("grantry" is the root).
func importPath(p string) string {
	switch {
	case p == "context" || p == "log" || p == "net/http" || p == "errors" || p == "time":
		return `"` + p + `"`
	case p == "grantry":
		return `"` + module + `"`
	}
	return `"` + module + "/" + p + `"`
}

// goBlockAfter returns the first ```go block after heading.
func goBlockAfter(doc, heading string) (string, bool) {
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		return "", false
	}
	rest := doc[i:]
	start := strings.Index(rest, "```go\n")
	if start < 0 {
		return "", false
	}
	rest = rest[start+len("```go\n"):]
	end := strings.Index(rest, "```")
	if end < 0 {
		return "", false
	}
	return rest[:end], true
}
