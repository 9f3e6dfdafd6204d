package daemon

import (
	"context"
	"flag"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testSessionKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 32 zero bytes

// TestSecretFlagsRefusedOnCommandLine: a secret typed on the command line
// is readable by every local user in the process list, so the command
// refuses it, says where to give it instead, and does not echo it.
func TestSecretFlagsRefusedOnCommandLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"serve --session-key", []string{"serve", "--db", "memory:", "--session-key", testSessionKey}, []string{"GRANTRY_SESSION_KEY", "--session-key-file"}},
		{"serve --session-key=", []string{"serve", "--db", "memory:", "--session-key=" + testSessionKey}, []string{"GRANTRY_SESSION_KEY"}},
		{"bench --client-secret", []string{"bench", "--client-id", "c1", "--client-secret", "s3cr3t-value"}, []string{"GRANTRY_CLIENT_SECRET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := Main(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr, envOf(nil))
			msg := stderr.String()
			if code != 1 {
				t.Errorf("exit %d, want 1; stderr %q", code, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr %q: want it to name %s", msg, w)
				}
			}
			if strings.Contains(msg, testSessionKey) || strings.Contains(msg, "s3cr3t-value") {
				t.Errorf("stderr %q shows the secret", msg)
			}
		})
	}
}

// TestSecretFlagsFromEnvironmentAndFiles: the same secrets are taken from
// the environment, the config file and --session-key-file.
func TestSecretFlagsFromEnvironmentAndFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	conf := write("grantry.json", `{"session-key": "`+testSessionKey+`"}`, 0o600)
	keyFile := write("session.key", testSessionKey+"\n", 0o600)
	openFile := write("open.key", testSessionKey, 0o644)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"environment", nil, map[string]string{"GRANTRY_SESSION_KEY": testSessionKey}, ""},
		{"config file", []string{"--config", conf}, nil, ""},
		{"key file", []string{"--session-key-file", keyFile}, nil, ""},
		{"key file from the environment", nil, map[string]string{"GRANTRY_SESSION_KEY_FILE": keyFile}, ""},
		{"key file others may read", []string{"--session-key-file", openFile}, nil, "chmod 600"},
		{"missing key file", []string{"--session-key-file", filepath.Join(dir, "none")}, nil, "session key"},
		{"key file and key", []string{"--session-key-file", keyFile}, map[string]string{"GRANTRY_SESSION_KEY": testSessionKey}, "give one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &serveConfig{}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			cfg.register(fs)
			if _, err := parseArgs(fs, tt.args, envOf(tt.env)); err != nil {
				t.Fatalf("parseArgs: %v", err)
			}
			k, err := cfg.sessionKey()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("sessionKey: got %v, want an error mentioning %q", err, tt.wantErr)
				}
			case err != nil || len(k) != 32:
				t.Errorf("sessionKey: got %x, %v; want the 32-byte key", k, err)
			}
		})
	}
}

// TestServeSessionKeyFile starts grantry serve with --session-key-file, and
// checks that a key file others may read stops it.
func TestServeSessionKeyFile(t *testing.T) {
	dir := t.TempDir()
	good, open := filepath.Join(dir, "good.key"), filepath.Join(dir, "open.key")
	if err := os.WriteFile(good, []byte(testSessionKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(open, []byte(testSessionKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o640); err != nil {
		t.Fatal(err)
	}
	t.Run("private file", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--db", "memory:", "--session-key-file", good},
				strings.NewReader(""), io.Discard, pw, envOf(nil))
			pw.Close()
		}()
		defer func() { cancel(); <-done }()
		if listenedOn(pr) == "" {
			t.Fatal("server did not start with --session-key-file")
		}
	})
	t.Run("file others may read", func(t *testing.T) {
		var stderr strings.Builder
		code := Main(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--db", "memory:", "--session-key-file", open},
			strings.NewReader(""), io.Discard, &stderr, envOf(nil))
		if code != 1 || !strings.Contains(stderr.String(), "chmod 600") {
			t.Errorf("exit %d, stderr %q; want 1 and the mode named", code, stderr.String())
		}
	})
}

func TestDSNPassword(t *testing.T) {
	tests := []struct {
		dsn  string
		want bool
	}{
		{"grantry.db", false},
		{"sqlite:/var/lib/grantry.db", false},
		{"memory:", false},
		{"postgres://grantry@db.internal/grantry", false},
		{"postgres://grantry:hunter2@db.internal/grantry", true},
		{"postgres://grantry@db.internal/grantry?password=hunter2", true},
		{"postgres://db.internal/grantry?sslpassword=x", true},
		{"host=db.internal user=grantry password=hunter2", true},
		{"host=db.internal user=grantry", false},
		{"redis://:hunter2@cache.internal:6379/0", true},
		{"redis://default:hunter2@cache.internal:6379/0", true},
		{"redis://cache.internal:6379/0", false},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			if got := dsnPassword(tt.dsn); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDSNPasswordWarning: a password in --db or --redis typed on the
// command line is warned about; one from the environment is not.
func TestDSNPasswordWarning(t *testing.T) {
	const dsn = "postgres://grantry:hunter2@127.0.0.1:1/grantry"
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantWarning string
	}{
		{"--db on the command line", []string{"--db", dsn}, nil, "--db holds a password"},
		{"--redis on the command line", []string{"--redis", "redis://:hunter2@127.0.0.1:1"}, nil, "--redis holds a password"},
		{"--db from the environment", nil, map[string]string{"GRANTRY_DB": dsn}, ""},
		{"--db without a password", []string{"--db", "postgres://grantry@127.0.0.1:1/grantry"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &serveConfig{}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			cfg.register(fs)
			_, warnings, err := parseSettings(fs, tt.args, envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(warnings, "\n")
			if tt.wantWarning == "" && got != "" || !strings.Contains(got, tt.wantWarning) || strings.Contains(got, "hunter2") {
				t.Errorf("warnings %q, want %q and never the password", got, tt.wantWarning)
			}
		})
	}
	t.Run("logged by serve", func(t *testing.T) {
		var stderr strings.Builder
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		code := Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--db", dsn},
			strings.NewReader(""), io.Discard, &stderr, envOf(map[string]string{kekEnv: testSessionKey}))
		if code != 1 || !strings.Contains(stderr.String(), "--db holds a password") || !strings.Contains(stderr.String(), "GRANTRY_DB") {
			t.Errorf("exit %d, stderr %q; want 1 (nothing listens on port 1) after a warning naming GRANTRY_DB", code, stderr.String())
		}
	})
}

// FuzzDSNPassword: the check never panics, and finds the password of any
// URL that has one in its user information.
func FuzzDSNPassword(f *testing.F) {
	for _, s := range []string{"grantry.db", "postgres://u:p@h/db", "redis://:p@h", "host=h password=p", "postgres://h/db?password=p", "%zz://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got := dsnPassword(dsn)
		if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
			if _, ok := u.User.Password(); ok && !got {
				t.Errorf("dsnPassword(%q) = false, but the URL has a password", dsn)
			}
		}
	})
}
