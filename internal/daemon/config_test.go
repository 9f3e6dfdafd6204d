package daemon

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func envOf(m map[string]string) getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSettingsPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "grantry.json")
	if err := os.WriteFile(file, []byte(`{"addr": "127.0.0.1:7000", "db": "from-file.db", "log-level": "debug", "grants": ["authorization_code", "password"], "insecure-dev": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		args             []string
		env              map[string]string
		wantAddr, wantDB string
		wantLevel        string
		wantGrants       []string
		wantInsecure     bool
		wantPositional   []string
	}{
		{"defaults", nil, nil, "127.0.0.1:8080", "grantry.db", "info", defaultGrants, false, nil},
		{"file", []string{"--config", file}, nil, "127.0.0.1:7000", "from-file.db", "debug", []string{"authorization_code", "password"}, true, nil},
		{"file from environment", nil, map[string]string{"GRANTRY_CONFIG": file}, "127.0.0.1:7000", "from-file.db", "debug", []string{"authorization_code", "password"}, true, nil},
		{"environment over file", []string{"--config", file}, map[string]string{"GRANTRY_DB": "env.db", "GRANTRY_INSECURE_DEV": "false"}, "127.0.0.1:7000", "env.db", "debug", []string{"authorization_code", "password"}, false, nil},
		{"flag over environment", []string{"--config", file, "--db", "flag.db", "--grants", "client_credentials"}, map[string]string{"GRANTRY_DB": "env.db"}, "127.0.0.1:7000", "flag.db", "debug", []string{"client_credentials"}, true, nil},
		{"positional between flags", []string{"--db", "a.db", "alice", "--log-level", "warn"}, nil, "127.0.0.1:8080", "a.db", "warn", defaultGrants, false, []string{"alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &serveConfig{}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			cfg.register(fs)
			pos, err := parseArgs(fs, tt.args, envOf(tt.env))
			if err != nil {
				t.Fatalf("parseArgs: %v", err)
			}
			if cfg.Addr != tt.wantAddr || cfg.db != tt.wantDB || cfg.logLevel != tt.wantLevel || cfg.InsecureDev != tt.wantInsecure {
				t.Errorf("got addr %q db %q level %q insecure %v, want %q %q %q %v", cfg.Addr, cfg.db, cfg.logLevel, cfg.InsecureDev, tt.wantAddr, tt.wantDB, tt.wantLevel, tt.wantInsecure)
			}
			if !slices.Equal(cfg.Grants.vals, tt.wantGrants) {
				t.Errorf("grants = %q, want %q", cfg.Grants.vals, tt.wantGrants)
			}
			if !slices.Equal(pos, tt.wantPositional) {
				t.Errorf("positional = %q, want %q", pos, tt.wantPositional)
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown file key", []string{"--config", write("typo.json", `{"adr": "x"}`)}, nil, `unknown setting "adr"`},
		{"not JSON", []string{"--config", write("bad.json", `addr = x`)}, nil, "config file"},
		{"object value", []string{"--config", write("obj.json", `{"addr": {"a": 1}}`)}, nil, "addr"},
		{"missing file", []string{"--config", filepath.Join(dir, "none.json")}, nil, "config file"},
		{"bad environment value", nil, map[string]string{"GRANTRY_SHUTDOWN_TIMEOUT": "soon"}, "GRANTRY_SHUTDOWN_TIMEOUT"},
		{"unknown flag", []string{"--nope"}, nil, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &serveConfig{}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(&strings.Builder{})
			cfg.register(fs)
			_, err := parseArgs(fs, tt.args, envOf(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseArgs: got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestServeConfigCheck(t *testing.T) {
	key := strings.Repeat("A", 43)
	tests := []struct {
		name       string
		set        func(*serveConfig)
		wantErr    string
		wantIssuer string
	}{
		{"defaults", func(*serveConfig) {}, "", "http://127.0.0.1:8080"},
		{"https when TLS", func(c *serveConfig) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }, "", "https://127.0.0.1:8080"},
		{"explicit issuer", func(c *serveConfig) { c.Addr, c.Issuer = ":8080", "https://as.example" }, "", "https://as.example"},
		{"issuer required off loopback", func(c *serveConfig) { c.Addr = "0.0.0.0:8080" }, "--issuer is required", ""},
		{"insecure dev off loopback", func(c *serveConfig) { c.Addr, c.Issuer, c.InsecureDev = "0.0.0.0:8080", "https://as.example", true }, "--insecure-dev is allowed only on a loopback", ""},
		{"insecure dev on localhost", func(c *serveConfig) { c.Addr, c.InsecureDev = "localhost:8080", true }, "", "http://localhost:8080"},
		{"unknown grant", func(c *serveConfig) { _ = c.Grants.Set("magic") }, `unknown grant type "magic"`, ""},
		{"bad scopes", func(c *serveConfig) { c.Scopes = `a"b` }, "--scopes", ""},
		{"short session key", func(c *serveConfig) { c.SessionKey = "AAAA" }, "--session-key", ""},
		{"good session key", func(c *serveConfig) { c.SessionKey = key }, "", "http://127.0.0.1:8080"},
		{"cert without key", func(c *serveConfig) { c.TLSCert = "c.pem" }, "--tls-cert and --tls-key", ""},
		{"bad addr", func(c *serveConfig) { c.Addr = "8080" }, "--addr", ""},
		{"zero refresh lifetime", func(c *serveConfig) { c.RefreshLifetime = 0 }, "--refresh-lifetime", ""},
		{"negative refresh grace", func(c *serveConfig) { c.RefreshGrace = -time.Second }, "--refresh-grace", ""},
		{"long refresh grace", func(c *serveConfig) { c.RefreshGrace = 6 * time.Minute }, "--refresh-grace", ""},
		{"refresh grace", func(c *serveConfig) { c.RefreshGrace = time.Minute }, "", "http://127.0.0.1:8080"},
		{"zero access token lifetime", func(c *serveConfig) { c.AccessTokenLifetime = 0 }, "--access-token-lifetime", ""},
		{"negative access token lifetime", func(c *serveConfig) { c.AccessTokenLifetime = -time.Minute }, "--access-token-lifetime", ""},
		{"jwt-bearer without issuers", func(c *serveConfig) { _ = c.Grants.Set(string(grantry.GrantJWTBearer)) }, "--jwt-bearer-issuers and --grants", ""},
		{"issuers without jwt-bearer", func(c *serveConfig) { c.JWTBearerIssuers = "issuers.json" }, "--jwt-bearer-issuers and --grants", ""},
		{"jwt-bearer with issuers", func(c *serveConfig) {
			_ = c.Grants.Set(string(grantry.GrantJWTBearer))
			c.JWTBearerIssuers = "issuers.json"
		}, "", "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, tt.set)
			err := cfg.check()
			if tt.wantErr == "" {
				if err != nil || cfg.Issuer != tt.wantIssuer {
					t.Errorf("check: got (%v, issuer %q), want (nil, %q)", err, cfg.Issuer, tt.wantIssuer)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("check: got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestImplicitAndPasswordOffByDefault(t *testing.T) {
	gts, err := testConfig(t).grantTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gts {
		if g == "implicit" || g == "password" {
			t.Errorf("default grants hold %q, want implicit and password off", g)
		}
	}
	if len(gts) != 3 {
		t.Errorf("default grants = %q, want 3", gts)
	}
}

// TestInsecureDevOnlyForLocalIssuer checks that --insecure-dev, which drops
// the Secure attribute of the sign-in cookie, is refused when the issuer
// says the server is reached from elsewhere, as behind a reverse proxy on
// the same machine.
func TestInsecureDevOnlyForLocalIssuer(t *testing.T) {
	tests := []struct {
		name, addr, issuer string
		wantErr            bool
	}{
		{"default issuer", "127.0.0.1:8080", "", false},
		{"loopback issuer", "127.0.0.1:8080", "http://localhost:8080", false},
		{"public https issuer behind a proxy", "127.0.0.1:8080", "https://auth.example.com", true},
		{"public http issuer", "127.0.0.1:8080", "http://auth.example.com", true},
		{"public address", "0.0.0.0:8080", "http://localhost:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, func(c *serveConfig) { c.Addr, c.Issuer, c.InsecureDev = tt.addr, tt.issuer, true })
			err := cfg.check()
			if got := err != nil; got != tt.wantErr {
				t.Errorf("check() = %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}

// TestConfigFileKnowsEveryFlag: every flag of every command, as its help
// lists it, may be given in the config file.
func TestConfigFileKnowsEveryFlag(t *testing.T) {
	commands := [][]string{
		{"serve"}, {"migrate"}, {"bench"},
		{"client", "create"}, {"client", "list"}, {"client", "show"}, {"client", "update"}, {"client", "delete"}, {"client", "rotate-secret"},
		{"user", "create"}, {"user", "list"}, {"user", "show"}, {"user", "update"}, {"user", "delete"}, {"user", "set-password"},
		{"keys", "list"}, {"keys", "rotate"}, {"keys", "retire"},
		{"session", "list"}, {"session", "revoke"},
	}
	claim := map[string]bool{}
	for _, f := range claimFlags {
		claim[f.name] = true // command line only: TestClaimFlagsCommandLineOnly
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	for _, cmd := range commands {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			var stderr strings.Builder
			Main(t.Context(), append(cmd, "-h"), strings.NewReader(""), io.Discard, &stderr, envOf(nil))
			flags := flagLine.FindAllStringSubmatch(stderr.String(), -1)
			if len(flags) == 0 {
				t.Fatalf("help lists no flags:\n%s", stderr.String())
			}
			for _, m := range flags {
				if claim[m[1]] {
					continue
				}
				if name := m[1]; name != "config" && !knownSetting[name] {
					t.Errorf("flag -%s is not a known config file setting", name)
				}
				if _, err := parseConfig([]byte(`{"` + m[1] + `": "x"}`)); m[1] != "config" && err != nil {
					t.Errorf("config file with key %q: %v", m[1], err)
				}
			}
		})
	}
}
